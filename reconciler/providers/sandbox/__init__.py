"""What every platform's sandbox shares: serving an app on 127.0.0.1, fault injection and the
sandboxes' credentials."""
