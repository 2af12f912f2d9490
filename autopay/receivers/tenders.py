"""tender_cancelled -> the autopay clearing record follows its tender; stops."""
