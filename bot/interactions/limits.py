"""Discord's limits on commands, responses, components, modals and embeds, each named once.

Pages are those of Discord's documentation (the `discord/discord-api-docs` repository,
`developers/...`). The checks in this package raise `LimitError` naming the thing at fault, so
a bot fails when its class is defined, not when Discord answers 400 at run time.
"""

from __future__ import annotations

import re

# -- application commands: `interactions/application-commands.mdx` ---------------------------

# Application Command Naming: 1 to 32 letters, digits, "-", "_", "'" (any script), lowercase
# where the script has case (CHAT_INPUT; USER and MESSAGE names may have capitals and spaces).
COMMAND_NAME_PATTERN = re.compile(r"^[-_'\w\u0900-\u097F\u0E00-\u0E7F]{1,32}$")
COMMAND_NAME_MAX = 32
CONTEXT_MENU_NAME_MAX = 32
COMMAND_DESCRIPTION_MAX = 100
OPTION_NAME_MAX = 32
OPTION_DESCRIPTION_MAX = 100
# Options of one command or subcommand, and subcommands and groups of one command.
OPTIONS_MAX = 25
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_STRING_VALUE_MAX = 100
# String options: min_length 0..6000, max_length 1..6000.
STRING_OPTION_LENGTH_MAX = 6000
# Combined name, description and value properties of one command with its subcommands.
COMMAND_TOTAL_CHARACTERS_MAX = 4000
# Registering a Command: per app, globally, and again per guild.
CHAT_INPUT_COMMANDS_MAX = 100
USER_COMMANDS_MAX = 15
MESSAGE_COMMANDS_MAX = 15
# Integer options take values in -2^53..2^53 (the safe range of a double).
INTEGER_OPTION_MIN = -(2**53)
INTEGER_OPTION_MAX = 2**53

# -- responses: `interactions/receiving-and-responding.mdx` ------------------------------------

# Responding to an Interaction: the first response within 3 seconds, the token valid 15 minutes.
INITIAL_RESPONSE_DEADLINE = 3.0
INTERACTION_TOKEN_LIFETIME = 15 * 60.0
AUTOCOMPLETE_CHOICES_MAX = 25

# -- messages: `resources/message.mdx` ---------------------------------------------------------

MESSAGE_CONTENT_MAX = 2000
EMBEDS_PER_MESSAGE_MAX = 10

# -- embeds: `resources/message.mdx`, Embed Limits ---------------------------------------------

EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_TEXT_MAX = 2048
EMBED_AUTHOR_NAME_MAX = 256
# The title, description, field names and values, footer text and author name of all the
# embeds of one message together.
EMBED_TOTAL_MAX = 6000

# -- components: `components/reference.mdx` ----------------------------------------------------

ACTION_ROWS_MAX = 5  # per message, and per modal
BUTTONS_PER_ROW_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
SELECT_PLACEHOLDER_MAX = 150
SELECT_VALUES_MAX = 25  # min_values 0..25, max_values 1..25
SELECT_OPTION_LABEL_MAX = 100
SELECT_OPTION_VALUE_MAX = 100
SELECT_OPTION_DESCRIPTION_MAX = 100
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_PLACEHOLDER_MAX = 100
TEXT_INPUT_VALUE_MAX = 4000  # also the bound of min_length (0..4000) and max_length (1..4000)
# Label (type 18, modals only): wraps one text input or select with a label and a description.
LABEL_TEXT_MAX = 45
LABEL_DESCRIPTION_MAX = 100

# -- modals: `interactions/receiving-and-responding.mdx`, Modal -------------------------------

MODAL_TITLE_MAX = 45
MODAL_COMPONENTS_MAX = 5

__all__ = [name for name in list(globals()) if name.isupper()]  # every limit above
