"""Tables, repositories, migrations and token encryption: the only package that talks SQL."""
