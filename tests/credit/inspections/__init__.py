"""Tests of credit.inspections."""
