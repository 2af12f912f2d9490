"""Payment file intake (issue 9 items 1-2): each format's parser turns a file's bytes into
one neutral structure (`parsed.ParsedFile`); `intake.upload_file_import` records the file
and stages it. The upload job (seed 003 steps 6.0-7.3) takes the staging from there."""
