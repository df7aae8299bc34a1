"""The handler's side: cases, assessment, reactions, referrals and audit."""
