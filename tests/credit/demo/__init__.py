"""Tests of credit.demo."""
