"""Tests of credit.facts."""
