"""Who may do what in a workspace: settings for admins and named managers, questions for members (and guests when
an admin allows it). `policy` says what each surface needs, `gate` decides for one person, `middleware` applies it
to every button and modal, the command router applies it to every `/lookout` subcommand."""
