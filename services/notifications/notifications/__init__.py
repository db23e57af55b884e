"""The notifications app: subscriptions, signed webhooks, e-mail and the delivery log."""
