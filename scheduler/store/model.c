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

/* The names the outbox table's CHECK constraint allows, in enum order. */
static const char *const KIND_NAMES[KIND__COUNT] = {
	[KIND_INVITATION] = "invitation",
	[KIND_WELCOME] = "welcome",
	[KIND_SECRETARY_DIGEST] = "secretary_digest",
	[KIND_ORGANIZER_DIGEST] = "organizer_digest",
	[KIND_FORWARD] = "forward",
	[KIND_REMINDER] = "reminder",
	[KIND_FOLLOWUP] = "followup",
	[KIND_JOIN_CONFIRM] = "join_confirm",
	[KIND_MEMBER_LINK] = "member_link",
};

const char *
model_kind_name(enum mail_kind k)
{
	return k >= 0 && k < KIND__COUNT ? KIND_NAMES[k] : "invitation";
}

enum mail_kind
model_kind_parse(const char *s)
{
	int k;

	for (k = 0; s && k < KIND__COUNT; k++)
		if (strcmp(s, KIND_NAMES[k]) == 0)
			return (enum mail_kind)k;
	return KIND__COUNT;
}
