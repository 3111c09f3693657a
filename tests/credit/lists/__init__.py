"""Tests of credit.lists."""
