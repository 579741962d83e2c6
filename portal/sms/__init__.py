"""Framework-free SMS domain code: the SMSAPI client, segments and delivery statuses."""
