"""The engagement models, gathered from the sub-packages so Django and migrations find them."""
