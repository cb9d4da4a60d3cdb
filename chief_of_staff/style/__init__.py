"""A department's house style: rules the owner writes in `department.toml`'s `[style]` table (rules.py), each
checked by code (checks.py), written out in words for a prompt (in_words), and scored as rewards to train on."""
