"""Payments and receipts: recording what customers pay and matching it to their invoices."""
