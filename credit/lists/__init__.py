"""The lists and their due process: inclusion and removal rules, entries from proposal to
removal, objections, credit repair, the scan, the feed and the published exports."""
