"""The data contract: declared forms, reading messy exports, cleaning, validation, errors."""
