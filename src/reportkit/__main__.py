from .cli import main

# Guarded: a batch's worker processes (spawn) import the main module again, and must not run
# the command a second time.
if __name__ == "__main__":
    main()
