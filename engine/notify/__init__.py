"""What a notify service task sends and how: templates, recipients' outbox rows, SMTP, reminders."""
