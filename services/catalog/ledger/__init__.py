"""The deletion ledger: every delete request is one deletion, followed until every service answered."""
