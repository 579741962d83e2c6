"""Delivery reports: applying what SMSAPI (or the test-mode simulation) says happened to messages."""
