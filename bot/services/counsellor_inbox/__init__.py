"""The counsellor inbox: a participant's question as a ticket, the answer relayed back."""
