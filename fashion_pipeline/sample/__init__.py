"""A generator that writes a realistic sample in exactly the real raw formats."""
