"""``make bench``: build a programme-scale database, serve it as production does, load every
page and compare it with the targets of the issue "programme scale" (see ``__main__``)."""
