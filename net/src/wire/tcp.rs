//! TCP segment format (RFC 9293 §3.1): to be written.
