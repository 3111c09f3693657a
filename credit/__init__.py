"""Credit: facts, the joint reward and punishment lists, scoring, random inspections, the feed."""
