"""The reporter's side: the public page, the intake form, the receipt and the follow-up."""
