"""The source texts the claims quote (``shared/seeds/`` beside the checkout), by file name."""

SEED_000 = "000_df7011488d98e125.txt"
SEED_001 = "001_32b00da7b2883168.txt"
SEED_002 = "002_5c962283728203a7.txt"
SEED_003 = "003_a085d77ccba12136.txt"
SEED_004 = "004_6177c028d2ed60fe.txt"
