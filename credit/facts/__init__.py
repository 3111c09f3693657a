"""Credit facts: recording and correcting them, importing them, annual reports, and the facts
other packages' events become."""
