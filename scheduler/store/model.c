#include <string.h>

#include "model.h"

const char *
model_mode_name(enum match_mode m)
{
	switch (m) {
	case MODE_LOCAL:
		return "local";
	case MODE_REMOTE:
		return "remote";
	case MODE_UNASSIGNED:
		return "unassigned";
	case MODE_NONE:
		break;
	}
	return "unassigned";
}

enum match_mode
model_mode_parse(const char *s)
{
	if (s == NULL)
		return MODE_NONE;
	if (strcmp(s, "local") == 0)
		return MODE_LOCAL;
	if (strcmp(s, "remote") == 0)
		return MODE_REMOTE;
	if (strcmp(s, "unassigned") == 0)
		return MODE_UNASSIGNED;
	return MODE_NONE;
}
