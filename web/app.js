/*
 * app.js - the secretary's dashboard (docs/dashboard.md).
 *
 * Plain JavaScript, no build step, nothing from outside this server (the
 * page is sent with a CSP of default-src 'self').  The access token lives
 * in sessionStorage only and goes to the server in the Authorization
 * header, never in a URL.  Every piece of server text is put into the page
 * with textContent, never as HTML.
 */
(function () {
	'use strict';

	var TOKEN_KEY = 'clubmatch.token';
	var CLUB_KEY = 'clubmatch.club';
	var API = '/api/v1';

	var state = {
		token: null,
		me: null,		/* GET /me */
		club: null,		/* {id, name, timezone} being shown */
		meetings: [],
		editing: null,		/* the meeting being edited, or null */
		generation: 0		/* bumped on sign-out: late answers are dropped */
	};

	/* The DOM helpers (web/dom.js). */
	var $ = clubmatchDom.$, h = clubmatchDom.h, clear = clubmatchDom.clear;

	/* ==== messages ===================================================== */
	var msgTimer = null;

	function say(text) {
		var el = $('msg');
		$('alert').textContent = '';
		el.textContent = text;
		if (msgTimer)
			clearTimeout(msgTimer);
		msgTimer = setTimeout(function () { el.textContent = ''; }, 15000);
	}

	function alarm(text) {
		$('msg').textContent = '';
		$('alert').textContent = text;
	}

	function quiet() {
		$('msg').textContent = '';
		$('alert').textContent = '';
	}

	/* ==== the API ====================================================== */
	function ApiError(status, code, message, field) {
		this.status = status;
		this.code = code;
		this.message = message;
		this.field = field || null;
	}

	/* api('GET', '/me') resolves with the parsed body or rejects with an
	 * ApiError (status 0 when the server cannot be reached). */
	function api(method, path, body, accept) {
		var gen = state.generation;
		var headers = { 'Accept': accept || 'application/json' };
		var opts = { method: method, headers: headers, cache: 'no-store',
			credentials: 'omit', referrerPolicy: 'no-referrer' };

		if (state.token)
			headers['Authorization'] = 'Bearer ' + state.token;
		if (body !== undefined) {
			headers['Content-Type'] = 'application/json';
			opts.body = JSON.stringify(body);
		}
		return fetch(API + path, opts).then(function (r) {
			if (gen !== state.generation)
				throw new ApiError(-1, 'stale', 'signed out');
			if (accept === 'text/csv' && r.ok)
				return r.blob();
			return r.text().then(function (t) {
				var data = null, e;
				try { data = t ? JSON.parse(t) : null; } catch (x) { data = null; }
				if (r.ok)
					return data;
				e = data && data.error ? data.error : {};
				throw new ApiError(r.status, e.code || 'http_' + r.status,
				    e.message || ('The server answered ' + r.status + '.'),
				    e.field);
			});
		}, function () {
			throw new ApiError(0, 'network',
			    'The server cannot be reached. Check the connection and try again.');
		}).catch(function (e) {
			if (e instanceof ApiError && e.status === 401 &&
			    gen === state.generation)
				rejected(e);
			throw e;
		});
	}

	/* Any 401: the token is wrong or was revoked.  Forget it and every
	 * piece of data shown with it. */
	function rejected() {
		signOut(true);
		alarm('That access token was not accepted: it is wrong or has been ' +
		    'revoked. Check it, or ask the organizer for a new one.');
		showTokenError('Not accepted: wrong or revoked token.');
	}

	/* Reports an error that is not about one form field. */
	function report(e, what) {
		if (!(e instanceof ApiError)) {
			alarm(what + ' failed: ' + String(e && e.message || e));
			return;
		}
		if (e.status === 401 || e.status === -1)
			return;		/* rejected() has said it */
		if (e.status === 403)
			alarm(what + ' failed: this token may not do that (' + e.message + ')');
		else
			alarm(what + ' failed: ' + e.message);
	}

	/* ==== time ========================================================= */
	var fmtCache = {};

	function fmt(tz, kind) {
		var key = tz + '|' + kind, o;
		if (fmtCache[key])
			return fmtCache[key];
		if (kind === 'long')
			o = { weekday: 'short', year: 'numeric', month: 'short',
				day: 'numeric', hour: 'numeric', minute: '2-digit',
				timeZoneName: 'short' };
		else if (kind === 'time')
			o = { hour: 'numeric', minute: '2-digit', timeZoneName: 'short' };
		else	/* 'short': a recent moment, so no year */
			o = { month: 'short', day: 'numeric',
				hour: 'numeric', minute: '2-digit' };
		o.timeZone = tz;
		try {
			fmtCache[key] = new Intl.DateTimeFormat(undefined, o);
		} catch (x) {	/* an unknown zone: show UTC, say so */
			o.timeZone = 'UTC';
			o.timeZoneName = 'short';
			fmtCache[key] = new Intl.DateTimeFormat(undefined, o);
		}
		return fmtCache[key];
	}

	function when(iso, tz, kind) {
		var d = new Date(iso);
		if (!iso || isNaN(d.getTime()))
			return '';
		return fmt(tz, kind || 'long').format(d);
	}

	/* A <time> with the short form shown and the long one on hover. */
	function stamp(iso, tz) {
		if (!iso)
			return '—';
		return h('time', { datetime: iso, title: when(iso, tz) }, when(iso, tz, 'short'));
	}

	function duration(min) {
		var hh = Math.floor(min / 60), mm = min % 60;
		if (!hh)
			return mm + ' min';
		return hh + ' h' + (mm ? ' ' + mm + ' min' : '');
	}

	/* ==== recurrence =================================================== */
	var DAYS = { MO: 'Monday', TU: 'Tuesday', WE: 'Wednesday', TH: 'Thursday',
		FR: 'Friday', SA: 'Saturday', SU: 'Sunday' };
	var DAY_CODES = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
	var MONTHS = ['January', 'February', 'March', 'April', 'May', 'June',
		'July', 'August', 'September', 'October', 'November', 'December'];

	function ordinal(n) {
		var s = ['th', 'st', 'nd', 'rd'], v = n % 100;
		return n + (s[(v - 20) % 10] || s[v] || s[0]);
	}

	function nth(n) {
		if (n === -1)
			return 'last';
		if (n === -2)
			return 'second to last';
		return ordinal(n);
	}

	function parseRule(rrule) {
		var r = {};
		String(rrule || '').replace(/^RRULE:/i, '').split(';').forEach(function (p) {
			var kv = p.split('=');
			if (kv.length === 2)
				r[kv[0].toUpperCase()] = kv[1].toUpperCase();
		});
		return r;
	}

	/* The weekday of a local "YYYY-MM-DD..." date, as MO..SU. */
	function weekdayOf(localDate) {
		var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(localDate || '');
		if (!m)
			return null;
		return DAY_CODES[new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).getUTCDay()];
	}

	function dayList(byday, withNth) {
		return byday.split(',').map(function (d) {
			var m = /^([+-]?\d+)?([A-Z]{2})$/.exec(d);
			if (!m || !DAYS[m[2]])
				return null;
			return (withNth && m[1] ? nth(parseInt(m[1], 10)) + ' ' : '') + DAYS[m[2]];
		});
	}

	function andList(a) {
		if (a.length < 2)
			return a.join('');
		return a.slice(0, -1).join(', ') + ' and ' + a[a.length - 1];
	}

	/* "2nd Tuesday monthly" from FREQ=MONTHLY;BYDAY=2TU, and so on; the
	 * rule itself when it says something these words do not cover. */
	function ruleWords(rrule, start, tz) {
		var r = parseRule(rrule), n = parseInt(r.INTERVAL || '1', 10), s, days,
		    known = { FREQ: 1, INTERVAL: 1, BYDAY: 1, BYMONTHDAY: 1, COUNT: 1,
			UNTIL: 1, WKST: 1, BYMONTH: 1 }, k;
		if (!rrule)
			return 'Once';
		for (k in r)
			if (!known[k])
				return rrule;
		if (!(n >= 1))
			return rrule;
		switch (r.FREQ) {
		case 'DAILY':
			s = n === 1 ? 'Daily' : 'Every ' + n + ' days';
			break;
		case 'WEEKLY':
			days = r.BYDAY ? dayList(r.BYDAY, false) : [DAYS[weekdayOf(start)]];
			if (days.indexOf(null) >= 0 || days.indexOf(undefined) >= 0)
				return rrule;
			s = (n === 1 ? 'Weekly' : 'Every ' + n + ' weeks') + ' on ' + andList(days);
			break;
		case 'MONTHLY':
			if (r.BYDAY && !r.BYMONTHDAY) {
				days = dayList(r.BYDAY, true);
				if (days.indexOf(null) >= 0)
					return rrule;
				s = andList(days) + (n === 1 ? ' monthly' : ' every ' + n + ' months');
				s = s.charAt(0).toUpperCase() + s.slice(1);
			} else if (r.BYMONTHDAY && !r.BYDAY) {
				days = r.BYMONTHDAY.split(',').map(function (d) {
					var v = parseInt(d, 10);
					return v === -1 ? 'last day' : v < 0 ? nth(v) + ' day' : ordinal(v);
				});
				s = (n === 1 ? 'Monthly' : 'Every ' + n + ' months') + ' on the ' + andList(days);
			} else if (!r.BYDAY && !r.BYMONTHDAY) {
				s = (n === 1 ? 'Monthly' : 'Every ' + n + ' months') +
				    (start ? ' on the ' + ordinal(parseInt(start.slice(8, 10), 10)) : '');
			} else {
				return rrule;
			}
			break;
		case 'YEARLY':
			s = n === 1 ? 'Yearly' : 'Every ' + n + ' years';
			if (start && !r.BYDAY && !r.BYMONTHDAY)
				s += ' on ' + MONTHS[parseInt(start.slice(5, 7), 10) - 1] + ' ' +
				    parseInt(start.slice(8, 10), 10);
			break;
		default:
			return rrule;
		}
		if (r.COUNT)
			s += ', ' + r.COUNT + ' times';
		else if (r.UNTIL)
			s += ', until ' + untilWords(r.UNTIL, tz);
		return s;
	}

	function untilWords(u, tz) {
		var m = /^(\d{4})(\d{2})(\d{2})(T(\d{2})(\d{2})(\d{2})Z?)?$/.exec(u);
		if (!m)
			return u;
		return new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short',
			day: 'numeric', timeZone: 'UTC' }).format(
			new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])));
	}

	/* The repeat choices for a local date "YYYY-MM-DD". */
	function repeatRules(date) {
		var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date || ''), day, wd, n;
		if (!m)
			return null;
		day = +m[3];
		wd = weekdayOf(date);
		n = Math.ceil(day / 7);
		if (n === 5)
			n = -1;		/* a 5th weekday is not in every month: the last */
		return {
			'weekly': 'FREQ=WEEKLY;BYDAY=' + wd,
			'monthly-day': 'FREQ=MONTHLY;BYDAY=' + n + wd,
			'monthly-date': 'FREQ=MONTHLY;BYMONTHDAY=' + day,
			day: day, wd: wd, n: n
		};
	}

	/* ==== sign-in ====================================================== */
	function showTokenError(text) {
		var e = $('token-err');
		e.textContent = text || '';
		e.hidden = !text;
		if (text)
			$('token').setAttribute('aria-invalid', 'true');
		else
			$('token').removeAttribute('aria-invalid');
	}

	function signIn(token) {
		token = String(token || '').trim();
		if (!token) {
			showTokenError('Enter the access token.');
			$('token').focus();
			return;
		}
		state.token = token;
		state.generation++;
		try { sessionStorage.setItem(TOKEN_KEY, token); } catch (x) { /* private mode */ }
		quiet();
		showTokenError('');
		say('Signing in…');
		api('GET', '/me').then(function (me) {
			state.me = me;
			$('token').value = '';
			$('signin').hidden = true;
			$('signout').hidden = false;
			$('who').hidden = false;
			if (me.role === 'admin') {
				$('who').textContent = 'Organizer (all clubs)';
				return loadClubs();
			}
			$('who').textContent = me.club_name;
			$('picker').hidden = true;
			selectClub({ id: me.club_id, name: me.club_name, timezone: me.timezone });
		}).catch(function (e) {
			if (e.status !== 401)
				report(e, 'Signing in');
		});
	}

	function signOut(silent) {
		state.generation++;
		state.token = null;
		state.me = null;
		state.club = null;
		state.meetings = [];
		try {
			sessionStorage.removeItem(TOKEN_KEY);
			sessionStorage.removeItem(CLUB_KEY);
		} catch (x) { /* nothing kept */ }
		clear($('meeting-list'));
		clear($('past-list'));
		clear($('contact-list'));
		clear($('contact-done-list'));
		clear($('contacts-counts'));
		clear($('club'));
		resetForm();
		$('dash').hidden = true;
		$('picker').hidden = true;
		$('signout').hidden = true;
		$('who').hidden = true;
		$('who').textContent = '';
		$('signin').hidden = false;
		if (!silent) {
			quiet();
			say('Signed out. The token is forgotten in this tab.');
		}
		$('token').focus();
	}

	/* ==== clubs (admin) ================================================ */
	function loadClubs() {
		var all = [];
		function page(after) {
			return api('GET', '/clubs?limit=1000' + (after ? '&after=' +
			    encodeURIComponent(after) : '')).then(function (p) {
				all = all.concat(p.items || []);
				return p.next ? page(p.next) : all;
			});
		}
		return page(null).then(function (clubs) {
			var sel = $('club'), kept = null, pick;
			try { kept = sessionStorage.getItem(CLUB_KEY); } catch (x) { kept = null; }
			clear(sel);
			sel.appendChild(h('option', { value: '', text: 'Choose a club…' }));
			clubs.forEach(function (c) {
				sel.appendChild(h('option', { value: String(c.id),
					text: c.name + ' (' + c.city + ', ' + c.state + ')' +
					    (c.active === false ? ' — inactive' : '') }));
			});
			sel._clubs = clubs;
			$('picker').hidden = false;
			if (!clubs.length) {
				say('There are no clubs yet.');
				return;
			}
			pick = clubs.filter(function (c) { return String(c.id) === kept; })[0] ||
			    (clubs.length === 1 ? clubs[0] : null);
			if (pick) {
				sel.value = String(pick.id);
				selectClub(pick);
			} else {
				say('Signed in as the organizer. Choose a club.');
				sel.focus();
			}
		}).catch(function (e) { report(e, 'Loading the clubs'); });
	}

	function onClubChange() {
		var sel = $('club'), id = sel.value;
		var c = (sel._clubs || []).filter(function (x) { return String(x.id) === id; })[0];
		if (!c) {
			$('dash').hidden = true;
			return;
		}
		selectClub(c);
	}

	function selectClub(c) {
		state.club = { id: c.id, name: c.name, timezone: c.timezone || 'UTC' };
		try { sessionStorage.setItem(CLUB_KEY, String(c.id)); } catch (x) { /* fine */ }
		$('dash').hidden = false;
		resetForm();
		loadContacts();
		loadMeetings().then(function (ok) {
			if (ok)
				say('Signed in. ' + state.club.name + ': ' +
				    countWords(upcoming().length, 'upcoming meeting') + '.');
		});
	}

	function countWords(n, what) {
		return n + ' ' + what + (n === 1 ? '' : 's');
	}

	/* ==== meetings ===================================================== */
	function isUpcoming(m) {
		return m.status !== 'cancelled' && m.next_occurrences &&
		    m.next_occurrences.length > 0;
	}

	function upcoming() {
		return state.meetings.filter(isUpcoming);
	}

	function loadMeetings() {
		var club = state.club;
		if (!club)
			return Promise.resolve(false);
		$('meeting-list').setAttribute('aria-busy', 'true');
		return api('GET', '/clubs/' + club.id + '/meetings').then(function (p) {
			if (state.club !== club)
				return false;
			state.meetings = p.items || [];
			renderMeetings();
			return true;
		}).catch(function (e) {
			report(e, 'Loading the meetings');
			return false;
		}).then(function (ok) {
			$('meeting-list').removeAttribute('aria-busy');
			return ok;
		});
	}

	function renderMeetings() {
		var list = $('meeting-list'), past = $('past-list'), up, rest;
		up = upcoming().sort(function (a, b) {
			return a.next_occurrences[0] < b.next_occurrences[0] ? -1 : 1;
		});
		rest = state.meetings.filter(function (m) { return !isUpcoming(m); })
		    .sort(function (a, b) { return a.start < b.start ? 1 : -1; });
		clear(list);
		clear(past);
		up.forEach(function (m) { list.appendChild(meetingCard(m, true)); });
		rest.forEach(function (m) { past.appendChild(meetingCard(m, false)); });
		$('meetings-empty').hidden = up.length > 0;
		$('past').hidden = rest.length === 0;
		$('past-count').textContent = String(rest.length);
		up.forEach(function (m) { loadAttendees(m); });
	}

	function meetingCard(m, live) {
		var tz = state.club.timezone, next = m.next_occurrences || [],
		    li, head, dl, actions, cancelled = m.status === 'cancelled';

		head = h('h3', { id: 'mh-' + m.id, class: 'meeting-title' }, m.title,
		    cancelled ? h('span', { class: 'badge badge-cancelled', text: 'Cancelled' }) : null);
		dl = h('dl', { class: 'facts' });
		function fact(label, value) {
			dl.appendChild(h('dt', { text: label }));
			dl.appendChild(h('dd', null, value));
		}
		if (live) {
			fact('Next', h('span', { class: 'next-when', 'data-utc': next[0] },
			    when(next[0], tz)));
			if (m.timezone && m.timezone !== tz)
				fact('In the meeting\'s zone', when(next[0], m.timezone) +
				    ' (' + m.timezone + ')');
		} else {
			fact('Start', m.start.replace('T', ' ') + ' (' + m.timezone + ')');
		}
		fact('Repeats', h('span', { class: 'rrule-words', title: m.rrule || '' },
		    ruleWords(m.rrule, m.start, tz)));
		fact('Duration', duration(m.duration_minutes));
		if (m.location)
			fact('Place', m.location);
		if (m.video_url)
			fact('Video', videoLink(m));
		if (live && next.length > 1) {
			var ul = h('ul', { class: 'next-list' });
			next.slice(1).forEach(function (t) { ul.appendChild(h('li', null, when(t, tz))); });
			fact('Then', h('details', { class: 'more-dates' },
			    h('summary', null, countWords(next.length - 1, 'more date')), ul));
		}

		actions = h('div', { class: 'actions' });
		if (!cancelled) {
			actions.appendChild(h('button', { type: 'button', class: 'btn btn-edit',
				'aria-describedby': 'mh-' + m.id, onclick: function () { startEdit(m); } },
			    'Edit'));
			actions.appendChild(h('button', { type: 'button', class: 'btn btn-danger btn-cancel',
				'aria-describedby': 'mh-' + m.id, onclick: function () { cancelMeeting(m); } },
			    'Cancel meeting'));
		}
		actions.appendChild(h('button', { type: 'button', class: 'btn btn-csv',
			'aria-describedby': 'mh-' + m.id, onclick: function (ev) { downloadCsv(m, ev.currentTarget); } },
		    'Download attendees (CSV)'));

		li = h('li', { class: 'card meeting' + (cancelled ? ' is-cancelled' : ''),
			id: 'meeting-' + m.id, 'data-meeting-id': String(m.id),
			'aria-labelledby': 'mh-' + m.id },
		    head, dl,
		    live ? h('section', { class: 'attendees', 'aria-label': 'Remote attendees of ' + m.title },
			h('h4', { text: 'Remote attendees' }),
			h('p', { class: 'counts', id: 'counts-' + m.id }, 'Loading…'),
			h('p', { class: 'counts counts-date', id: 'counts-date-' + m.id }),
			h('div', { class: 'att-wrap', id: 'att-' + m.id })) : null,
		    actions,
		    h('p', { class: 'dl-slot', id: 'dl-' + m.id }));
		return li;
	}

	function videoLink(m) {
		var input = h('input', { type: 'text', readonly: true, value: m.video_url,
			class: 'video-copy-src', 'aria-label': 'Video link of ' + m.title,
			tabindex: '-1' });
		return h('span', { class: 'video' },
		    h('a', { href: m.video_url, class: 'video-url', target: '_blank',
			rel: 'noopener noreferrer' }, m.video_url),
		    ' ',
		    h('button', { type: 'button', class: 'btn btn-small btn-copy',
			'aria-label': 'Copy the video link of ' + m.title,
			onclick: function () { copyText(m.video_url, input); } }, 'Copy link'),
		    input);
	}

	/* navigator.clipboard needs a secure context (https or localhost); on
	 * a LAN address over http it is missing, so fall back to a selection
	 * and execCommand, and at worst leave the link selected. */
	function copyText(text, input) {
		function fallback() {
			var ok = false;
			input.classList.add('is-shown');
			input.focus();
			input.select();
			try { ok = document.execCommand('copy'); } catch (x) { ok = false; }
			if (ok) {
				input.classList.remove('is-shown');
				say('Video link copied.');
			} else {
				say('The link is selected: press Ctrl+C (or ⌘+C) to copy it.');
			}
		}
		if (navigator.clipboard && window.isSecureContext) {
			navigator.clipboard.writeText(text).then(function () {
				say('Video link copied.');
			}, fallback);
		} else {
			fallback();
		}
	}

	var RSVP = {
		'accepted': 'Yes',
		'declined': 'No',
		'tentative': 'Maybe',
		'needs-action': 'No answer'
	};

	var VIA = { link: 'by link', calendar: 'by calendar', secretary: 'by the secretary' };

	/* The local date (YYYY-MM-DD) of a UTC moment in zone tz: the date
	 * the ?date= routes take (CONTRACT §6). */
	function localDate(iso, tz) {
		var d = new Date(iso), parts = {}, f;
		if (!iso || isNaN(d.getTime()))
			return null;
		try {
			f = new Intl.DateTimeFormat('en-US', { timeZone: tz, year: 'numeric',
				month: '2-digit', day: '2-digit' });
		} catch (x) {
			return null;
		}
		f.formatToParts(d).forEach(function (p) { parts[p.type] = p.value; });
		return parts.year + '-' + parts.month + '-' + parts.day;
	}

	/* The next occurrence's date in the meeting's own zone. */
	function nextDate(m) {
		var next = m.next_occurrences || [];
		if (next.length)
			return localDate(next[0], m.timezone || state.club.timezone);
		return m.start ? m.start.slice(0, 10) : null;
	}

	function loadAttendees(m) {
		var club = state.club, date = nextDate(m);
		return Promise.all([api('GET', '/meetings/' + m.id + '/attendees'),
		    date ? api('GET', '/meetings/' + m.id + '/attendees?date=' + date) :
			Promise.resolve(null)]).then(function (r) {
			if (state.club !== club)
				return;
			renderAttendees(m, r[0], r[1], date);
		}).catch(function (e) {
			var c = $('counts-' + m.id);
			if (c && e.status > 0 && e.status !== 401)
				c.textContent = 'The attendees could not be loaded: ' + e.message;
		});
	}

	/* "Tue, Dec 8" for a YYYY-MM-DD date. */
	function dayWords(date) {
		var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date || '');
		if (!m)
			return date || '';
		return new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short',
			day: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])));
	}

	function rsvpCell(a) {
		if (!a)
			return '—';
		return h('span', { class: 'rsvp rsvp-' + a.rsvp }, RSVP[a.rsvp] || a.rsvp);
	}

	function countLine(el, counts, prefix) {
		[['accepted', 'Yes'], ['declined', 'No'], ['tentative', 'Maybe'],
		    ['needs-action', 'No answer']].forEach(function (x) {
			el.appendChild(h('span', { class: 'count count-' + x[0], 'data-rsvp': x[0] },
			    x[1] + ': ', h('strong', { text: String(counts[x[0]] || 0) })));
		});
		if (prefix)
			el.insertBefore(h('span', { class: 'count-head', text: prefix }), el.firstChild);
	}

	function renderAttendees(m, p, pd, date) {
		var tz = state.club.timezone, wrap = $('att-' + m.id),
		    c = $('counts-' + m.id), items = p.items || [], table, tbody,
		    byMail = {}, dayName = dayWords(date), cd;
		if (!wrap || !c)
			return;
		((pd && pd.items) || []).forEach(function (a) { byMail[a.email] = a; });
		clear(c);
		countLine(c, p.counts || {}, null);
		cd = $('counts-date-' + m.id);
		if (cd) {
			clear(cd);
			if (pd) {
				countLine(cd, pd.counts || {}, dayName + ':');
				cd.setAttribute('data-date', date);
			}
		}
		clear(wrap);
		if (!items.length) {
			wrap.appendChild(h('p', { class: 'empty', text: 'No remote members are invited yet.' }));
			return;
		}
		tbody = h('tbody');
		items.forEach(function (a) {
			var place = [a.city, a.state].filter(Boolean).join(', '),
			    n = byMail[a.email] || null, comment = (n && n.comment) || a.comment || '',
			    via = n ? n.rsvp_via : a.rsvp_via;
			tbody.appendChild(h('tr', { 'data-email': a.email, 'data-rsvp': a.rsvp,
				'data-date-rsvp': n ? n.rsvp : null },
			    h('th', { scope: 'row', 'data-label': 'Name' }, a.name),
			    h('td', { 'data-label': 'Town' }, place || '—'),
			    h('td', { 'data-label': 'Distance', class: 'num' },
				a.distance_miles === null || a.distance_miles === undefined ? '—' :
				Number(a.distance_miles).toFixed(1) + ' mi'),
			    h('td', { 'data-label': 'RSVP (series)' }, rsvpCell(a)),
			    h('td', { 'data-label': 'Invited', class: 'stamp' }, stamp(a.invited_at, tz)),
			    h('td', { 'data-label': 'Answered', class: 'stamp' }, stamp(a.responded_at, tz)),
			    h('td', { 'data-label': dayName, class: 'att-date' }, rsvpCell(n),
				via ? h('span', { class: 'att-via' }, ' ' + (VIA[via] || via)) : null),
			    h('td', { 'data-label': 'Comment', class: 'att-comment' }, comment || '—')));
		});
		table = h('table', { class: 'att' },
		    h('caption', { class: 'sr-only', text: 'Remote attendees of ' + m.title }),
		    h('thead', null, h('tr', null,
			h('th', { scope: 'col', text: 'Name' }),
			h('th', { scope: 'col', text: 'Town' }),
			h('th', { scope: 'col', text: 'Distance' }),
			h('th', { scope: 'col', text: 'RSVP (series)' }),
			h('th', { scope: 'col', text: 'Invited' }),
			h('th', { scope: 'col', text: 'Answered' }),
			h('th', { scope: 'col', class: 'att-date-h', 'data-date': date,
			    text: date ? dayName : 'Next date' }),
			h('th', { scope: 'col', text: 'Comment' }))),
		    tbody);
		wrap.appendChild(table);
	}

	/* ==== new members: first-contact tasks (CONTRACT §8, §11) ========= */
	var CHANNELS = [['phone', 'Phone call'], ['sms', 'Text message'],
		['email', 'E-mail'], ['video', 'Video call'], ['in_person', 'In person']];
	var CHANNEL_SHORT = { phone: 'Phone', sms: 'Text', email: 'E-mail',
		video: 'Video', in_person: 'In person' };
	var OUTCOMES = [['reached', 'Reached'], ['left_message', 'Left a message'],
		['no_answer', 'No answer'], ['busy', 'Busy'],
		['bad_number', 'Bad number'], ['wrong_number', 'Wrong number'],
		['moved', 'Moved away'], ['not_interested', 'Not interested'],
		['do_not_contact', 'Do not contact'], ['remove', 'Remove from the club']];

	function words(list, v) {
		var i;
		for (i = 0; i < list.length; i++)
			if (list[i][0] === v)
				return list[i][1];
		return v;
	}

	/* +12175550123 shown as +1 217-555-0123; other numbers as they are. */
	function phoneWords(p) {
		var m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(p || '');
		return m ? '+1 ' + m[1] + '-' + m[2] + '-' + m[3] : p;
	}

	function loadContacts() {
		var club = state.club, all = [];
		if (!club)
			return Promise.resolve(false);
		function page(after) {
			return api('GET', '/clubs/' + club.id + '/contacts?limit=1000' +
			    (after ? '&after=' + encodeURIComponent(after) : '')).then(function (p) {
				all = all.concat(p.items || []);
				return p.next ? page(p.next) : all;
			});
		}
		$('contact-list').setAttribute('aria-busy', 'true');
		return page(null).then(function (items) {
			if (state.club !== club)
				return false;
			renderContacts(items);
			return true;
		}).catch(function (e) {
			report(e, 'Loading the new members');
			return false;
		}).then(function (ok) {
			$('contact-list').removeAttribute('aria-busy');
			return ok;
		});
	}

	var STATUS_RANK = { overdue: 0, open: 1, done: 2 };

	function renderContacts(items) {
		var list = $('contact-list'), done = $('contact-done-list'), c = $('contacts-counts'),
		    todo, closed, n = { overdue: 0, open: 0 };
		items = items.slice().sort(function (a, b) {
			var r = (STATUS_RANK[a.status] || 0) - (STATUS_RANK[b.status] || 0);
			if (r)
				return r;
			return a.due_at < b.due_at ? -1 : a.due_at > b.due_at ? 1 : a.id - b.id;
		});
		todo = items.filter(function (t) { return t.status !== 'done'; });
		closed = items.filter(function (t) { return t.status === 'done'; });
		todo.forEach(function (t) { n[t.status] = (n[t.status] || 0) + 1; });
		clear(list);
		clear(done);
		clear(c);
		c.appendChild(h('span', { class: 'count', 'data-status': 'overdue' },
		    'Overdue: ', h('strong', { text: String(n.overdue) })));
		c.appendChild(h('span', { class: 'count', 'data-status': 'open' },
		    'Due later: ', h('strong', { text: String(n.open) })));
		todo.forEach(function (t) { list.appendChild(contactCard(t, true)); });
		closed.forEach(function (t) { done.appendChild(contactCard(t, false)); });
		$('contacts-empty').hidden = todo.length > 0;
		$('contacts-done').hidden = closed.length === 0;
		$('contacts-done-count').textContent = String(closed.length);
	}

	function contactCard(t, live) {
		var tz = state.club.timezone, dl, place, reach, li, id = 'ct-' + t.id;
		dl = h('dl', { class: 'facts' });
		function fact(label, value, cls) {
			dl.appendChild(h('dt', { text: label }));
			dl.appendChild(h('dd', { class: cls || null }, value));
		}
		place = [t.city, t.state].filter(Boolean).join(', ');
		fact('Town', place || '—', 'ct-town');
		fact('Distance', t.mode === 'remote' ? 'remote' :
		    t.distance_miles === null || t.distance_miles === undefined ? '—' :
		    Number(t.distance_miles).toFixed(1) + ' mi', 'ct-distance');
		reach = h('p', { class: 'reach' });
		if (t.phone) {
			reach.appendChild(

			    h('a', { href: 'tel:' + t.phone, class: 'btn btn-call',
				'aria-label': 'Call ' + t.name + ' at ' + phoneWords(t.phone) },
				'Call ' + phoneWords(t.phone)));
			if (t.preferred_channel === 'sms')
				reach.appendChild(h('a', { href: 'sms:' + t.phone, class: 'btn btn-sms',
					'aria-label': 'Text ' + t.name + ' at ' + phoneWords(t.phone) },
				    'Text'));
		} else {
			reach.appendChild(h('span', { class: 'empty', text: 'No phone number' }));
		}
		fact('E-mail', t.email ? h('a', { href: 'mailto:' + t.email, class: 'ct-email' },
		    t.email) : '—');
		fact('Prefers', t.preferred_channel ? words(CHANNELS, t.preferred_channel) : '—',
		    'ct-prefers');
		fact(live ? 'Due' : 'Done', live ? h('span', null, stamp(t.due_at, tz)) :
		    words(OUTCOMES, t.last_outcome || ''), 'ct-due');
		fact('Attempts', String(t.attempts) + (t.last_outcome ? ' (last: ' +
		    words(OUTCOMES, t.last_outcome).toLowerCase() + ')' : ''), 'ct-attempts');
		li = h('li', { class: 'card contact contact-' + t.status, id: 'contact-' + t.id,
			'data-member-id': String(t.member_id), 'data-status': t.status,
			'aria-labelledby': id + '-h' },
		    h('h3', { id: id + '-h', class: 'meeting-title' }, t.name,
			t.status === 'overdue' ? h('span', { class: 'badge badge-overdue', text: 'Overdue' }) :
			t.status === 'done' ? h('span', { class: 'badge badge-done', text: 'Done' }) : null),
		    reach, dl,
		    live ? contactForm(t, id) : null);
		return li;
	}

	function contactForm(t, id) {
		var chan = h('select', { id: id + '-channel', name: 'channel', class: 'ct-channel' }),
		    out = h('select', { id: id + '-outcome', name: 'outcome', class: 'ct-outcome',
			'aria-describedby': id + '-err' }),
		    zip = h('input', { id: id + '-zip', name: 'zip', type: 'text', class: 'ct-zip',
			autocomplete: 'off', maxlength: '10', 'aria-describedby': id + '-err' }),
		    note = h('input', { id: id + '-note', name: 'note', type: 'text', class: 'ct-note',
			maxlength: '500', 'aria-describedby': id + '-err' }),
		    err = h('p', { id: id + '-err', class: 'field-err ct-err', role: 'alert', hidden: true }),
		    btn = h('button', { type: 'submit', class: 'btn btn-primary ct-log' }, 'Log'),
		    zipField, form, pref;
		pref = t.preferred_channel || (t.phone ? 'phone' : 'email');
		CHANNELS.forEach(function (c) {
			chan.appendChild(h('option', { value: c[0], selected: c[0] === pref },
			    CHANNEL_SHORT[c[0]]));
		});
		out.appendChild(h('option', { value: '' }, 'Choose…'));
		OUTCOMES.forEach(function (o) { out.appendChild(h('option', { value: o[0] }, o[1])); });
		zipField = h('div', { class: 'field ct-zip-field', hidden: true },
		    h('label', { for: id + '-zip' }, 'New ZIP code or state'), zip);
		out.addEventListener('change', function () {
			zipField.hidden = out.value !== 'moved';
		});
		form = h('form', { class: 'ct-form', novalidate: true,
			'aria-label': 'Log a contact with ' + t.name },
		    h('div', { class: 'row' },
			h('div', { class: 'field' }, h('label', { for: id + '-channel' }, 'How'), chan),
			h('div', { class: 'field' }, h('label', { for: id + '-outcome' }, 'Outcome'), out)),
		    zipField,
		    h('div', { class: 'field' },
			h('label', { for: id + '-note' }, 'Note ', h('span', { class: 'opt' }, '(optional)')),
			note),
		    err,
		    h('div', { class: 'actions' }, btn));
		function fail(text, el) {
			[out, zip, note].forEach(function (x) { x.removeAttribute('aria-invalid'); });
			err.textContent = text;
			err.hidden = false;
			if (el) {
				el.setAttribute('aria-invalid', 'true');
				el.focus();
			}
		}
		form.addEventListener('submit', function (ev) {
			var b, z = zip.value.trim(), go;
			ev.preventDefault();
			err.textContent = '';
			err.hidden = true;
			if (!out.value) {
				fail('Choose the outcome first.', out);
				return;
			}
			b = { channel: chan.value, outcome: out.value };
			if (note.value.trim())
				b.note = note.value.trim();
			if (out.value === 'moved') {
				if (!z) {
					fail('Enter the new ZIP code or state.', zip);
					return;
				}
				if (/^[A-Za-z]{2}$/.test(z))
					b.state = z.toUpperCase();
				else
					b.zip = z;
			}
			go = out.value === 'remove' ? confirmStep('Remove ' + t.name + '?',
			    t.name + ' is removed from the club and gets no more mail.', 'Remove') :
			    Promise.resolve(true);
			go.then(function (yes) {
				if (!yes) {
					say('Nothing was logged.');
					return;
				}
				btn.disabled = true;
				return api('POST', '/members/' + t.member_id + '/contacts', b).then(function (r) {
					say('Logged for ' + t.name + ': ' + words(OUTCOMES, b.outcome).toLowerCase() +
					    (r && r.status !== 'done' ? '. Next try due ' +
						when(r.due_at, state.club.timezone, 'short') : '. Done') + '.');
					return loadContacts();
				}).catch(function (e) {
					var f = { outcome: out, channel: chan, zip: zip, state: zip, note: note };
					btn.disabled = false;
					if (e instanceof ApiError && e.status > 0 && e.status !== 401)
						fail((e.field ? e.field + ': ' : '') + e.message, f[e.field] || null);
					else
						report(e, 'Logging the contact');
				});
			});
		});
		return form;
	}

	/* ==== CSV ========================================================== */
	function downloadCsv(m, btn) {
		btn.disabled = true;
		api('GET', '/meetings/' + m.id + '/attendees', undefined, 'text/csv').then(function (blob) {
			var slot = $('dl-' + m.id), name = 'attendees-' + m.id + '.csv', url, a;
			url = URL.createObjectURL(blob);
			a = h('a', { href: url, download: name, class: 'csv-link' }, 'Save ' + name + ' again');
			if (slot) {
				clear(slot);
				slot.appendChild(a);
			}
			a.click();
			say('Downloading ' + name + '.');
			/* Let the link work for a while, then free the memory. */
			setTimeout(function () {
				URL.revokeObjectURL(url);
				if (a.parentNode)
					a.parentNode.removeChild(a);
			}, 120000);
		}).catch(function (e) {
			report(e, 'The CSV download');
		}).then(function () { btn.disabled = false; });
	}

	/* ==== confirmation ================================================= */
	function confirmStep(title, text, yes) {
		var d = $('confirm');
		$('confirm-h').textContent = title;
		$('confirm-text').textContent = text;
		$('confirm-yes').textContent = yes;
		return new Promise(function (resolve) {
			var back = document.activeElement;
			function closed() {
				d.removeEventListener('close', closed);
				if (back && back.focus && document.contains(back))
					back.focus();
				resolve(d.returnValue === 'yes');
			}
			d.returnValue = '';
			d.addEventListener('close', closed);
			d.showModal();
			$('confirm-no').focus();	/* the safe choice first */
		});
	}

	function cancelMeeting(m) {
		confirmStep('Cancel “' + m.title + '”?',
		    (m.rrule ? 'Every future occurrence is cancelled. ' : '') +
		    'Every invited member is sent a cancellation. This cannot be undone.',
		    'Cancel meeting').then(function (yes) {
			if (!yes) {
				say('Nothing was changed.');
				return;
			}
			api('DELETE', '/meetings/' + m.id).then(function () {
				if (state.editing && state.editing.id === m.id)
					resetForm();
				say('“' + m.title + '” is cancelled; members are being told.');
				return loadMeetings();
			}).catch(function (e) { report(e, 'Cancelling'); });
		});
	}

	/* ==== the form ===================================================== */
	var FIELDS = {
		title: ['f-title'],
		start: ['f-date', 'f-time'],
		timezone: ['f-timezone'],
		duration_minutes: ['f-duration'],
		rrule: ['f-repeat'],
		location: ['f-location'],
		video_url: ['f-video'],
		description: ['f-description']
	};

	function clearErrors() {
		Object.keys(FIELDS).forEach(function (f) {
			var e = $('err-' + f);
			e.textContent = '';
			e.hidden = true;
			FIELDS[f].forEach(function (id) { $(id).removeAttribute('aria-invalid'); });
		});
		$('form-err').textContent = '';
		$('form-err').hidden = true;
	}

	function fieldError(field, text) {
		var e = FIELDS[field] ? $('err-' + field) : $('form-err');
		e.textContent = text;
		e.hidden = false;
		(FIELDS[field] || []).forEach(function (id) { $(id).setAttribute('aria-invalid', 'true'); });
		$((FIELDS[field] || ['f-title'])[0]).focus();
	}

	function updateRepeat() {
		var sel = $('f-repeat'), r = repeatRules($('f-date').value), hint = $('hint-repeat');
		var opts = sel.options, i;
		for (i = 0; i < opts.length; i++) {
			if (!r)
				continue;
			if (opts[i].value === 'weekly')
				opts[i].textContent = 'Weekly on ' + DAYS[r.wd];
			else if (opts[i].value === 'monthly-day')
				opts[i].textContent = 'Monthly on the ' + nth(r.n) + ' ' + DAYS[r.wd];
			else if (opts[i].value === 'monthly-date')
				opts[i].textContent = 'Monthly on the ' + ordinal(r.day);
		}
		if (r && sel.value === 'monthly-date' && r.day > 28) {
			hint.textContent = 'Months without a ' + ordinal(r.day) + ' are skipped.';
			hint.hidden = false;
		} else if (r && sel.value === 'monthly-day' && r.n === -1) {
			hint.textContent = 'The ' + ordinal(Math.ceil(r.day / 7)) + ' ' + DAYS[r.wd] +
			    ' is not in every month, so this is the last ' + DAYS[r.wd] + ' of each month.';
			hint.hidden = false;
		} else {
			hint.textContent = '';
			hint.hidden = true;
		}
	}

	function resetForm() {
		var keep = $('f-repeat').querySelector('option[value="keep"]');
		state.editing = null;
		$('meeting-form').reset();
		if (keep)
			keep.parentNode.removeChild(keep);
		clearErrors();
		$('f-timezone').value = state.club ? state.club.timezone : '';
		$('form-h').textContent = 'Schedule a meeting';
		$('f-submit').textContent = 'Schedule meeting';
		$('f-cancel-edit').hidden = true;
		updateRepeat();
	}

	function startEdit(m) {
		var sel = $('f-repeat'), r, choice = 'once', k, keep;
		resetForm();
		state.editing = m;
		$('f-title').value = m.title;
		$('f-date').value = m.start.slice(0, 10);
		$('f-time').value = m.start.slice(11, 16);
		$('f-timezone').value = m.timezone;
		$('f-duration').value = String(m.duration_minutes);
		$('f-location').value = m.location || '';
		$('f-video').value = m.video_url || '';
		$('f-description').value = m.description || '';
		r = repeatRules(m.start.slice(0, 10));
		if (m.rrule) {
			choice = null;
			for (k in { 'weekly': 1, 'monthly-day': 1, 'monthly-date': 1 })
				if (r && r[k] === m.rrule)
					choice = k;
			if (!choice) {
				keep = h('option', { value: 'keep' },
				    'Keep: ' + ruleWords(m.rrule, m.start, m.timezone));
				sel.insertBefore(keep, sel.firstChild);
				choice = 'keep';
			}
		}
		sel.value = choice;
		updateRepeat();
		$('form-h').textContent = 'Edit “' + m.title + '”';
		$('f-submit').textContent = 'Save changes';
		$('f-cancel-edit').hidden = false;
		$('schedule').scrollIntoView({ block: 'start' });
		$('f-title').focus();
		say('Editing “' + m.title + '”. Members get an updated invitation when you save.');
	}

	function formBody() {
		var b = {}, repeat = $('f-repeat').value, r, v, dur;
		b.title = $('f-title').value.trim();
		b.start = $('f-date').value + 'T' + $('f-time').value.slice(0, 5);
		v = $('f-timezone').value.trim();
		if (v)
			b.timezone = v;
		dur = $('f-duration').value.trim();
		b.duration_minutes = /^-?\d+$/.test(dur) ? parseInt(dur, 10) : dur === '' ? null : dur;
		if (repeat === 'keep') {
			/* unchanged */
		} else if (repeat === 'once') {
			if (state.editing)
				b.rrule = null;
		} else {
			r = repeatRules($('f-date').value);
			if (r)
				b.rrule = r[repeat];
		}
		b.location = $('f-location').value.trim();
		b.description = $('f-description').value;
		v = $('f-video').value.trim();
		if (v)
			b.video_url = v;
		return b;
	}

	function onSubmit(ev) {
		var b, editing = state.editing, club = state.club, go;
		ev.preventDefault();
		clearErrors();
		if (!club)
			return;
		b = formBody();
		if (!$('f-date').value || !$('f-time').value) {
			fieldError('start', 'Choose a date and a time.');
			return;
		}
		if (b.duration_minutes === null) {
			fieldError('duration_minutes', 'Enter the duration in minutes.');
			return;
		}
		go = editing ? confirmStep('Save the changes to “' + editing.title + '”?',
		    'Every invited member is sent the updated invitation.', 'Save changes') :
		    Promise.resolve(true);
		go.then(function (yes) {
			if (!yes) {
				say('Nothing was changed.');
				return;
			}
			$('f-submit').disabled = true;
			return (editing ? api('PATCH', '/meetings/' + editing.id, b) :
			    api('POST', '/clubs/' + club.id + '/meetings', b)).then(function (m) {
				resetForm();
				say(editing ? '“' + m.title + '” is updated; members are being told.' :
				    '“' + m.title + '” is scheduled; remote members are being invited.');
				return loadMeetings();
			}).catch(function (e) {
				if (e instanceof ApiError && (e.status === 422 || e.status === 400) &&
				    e.status !== 401) {
					fieldError(e.field || '', e.message);
					alarm('The meeting was not saved: ' + e.message);
				} else {
					report(e, 'Saving the meeting');
				}
			}).then(function () { $('f-submit').disabled = false; });
		});
	}

	function fillZones() {
		var dl = $('zones'), zones = [];
		try { zones = Intl.supportedValuesOf('timeZone'); } catch (x) { zones = []; }
		zones.forEach(function (z) { dl.appendChild(h('option', { value: z })); });
	}

	/* ==== start ======================================================== */
	function tokenFromFragment() {
		var m = /(?:^#|&)token=([^&]*)/.exec(location.hash || ''), t = null;
		if (!m)
			return null;
		try { t = decodeURIComponent(m[1]); } catch (x) { t = m[1]; }
		/* Take it out of the address bar and the history. */
		history.replaceState(null, '', location.pathname + location.search);
		return t;
	}

	function start() {
		var t = tokenFromFragment();
		$('signin-form').addEventListener('submit', function (ev) {
			ev.preventDefault();
			signIn($('token').value);
		});
		$('signout').addEventListener('click', function () { signOut(false); });
		$('club').addEventListener('change', onClubChange);
		$('reload').addEventListener('click', function () {
			loadMeetings().then(function (ok) { if (ok) say('Meetings refreshed.'); });
		});
		$('contacts-reload').addEventListener('click', function () {
			loadContacts().then(function (ok) { if (ok) say('New members refreshed.'); });
		});
		$('meeting-form').addEventListener('submit', onSubmit);
		$('f-date').addEventListener('change', updateRepeat);
		$('f-date').addEventListener('input', updateRepeat);
		$('f-repeat').addEventListener('change', updateRepeat);
		$('f-cancel-edit').addEventListener('click', function () {
			resetForm();
			say('Editing stopped; nothing was changed.');
		});
		window.addEventListener('hashchange', function () {
			var t2 = tokenFromFragment();
			if (t2)
				signIn(t2);
		});
		fillZones();
		updateRepeat();
		if (!t) {
			try { t = sessionStorage.getItem(TOKEN_KEY); } catch (x) { t = null; }
		}
		if (t) {
			signIn(t);
		} else {
			$('signin').hidden = false;
			$('token').focus();
		}
	}

	/* For the tests: the words for a rule, without a server. */
	window.clubmatchRuleWords = ruleWords;
	window.clubmatchRepeatRules = repeatRules;

	if (document.readyState === 'loading')
		document.addEventListener('DOMContentLoaded', start);
	else
		start();
}());
