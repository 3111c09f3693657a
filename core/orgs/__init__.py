"""Organization register: districts, organizations by USCC, and which users act for which."""
