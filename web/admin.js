/*
 * admin.js - the organizer's console (docs/admin.md).
 *
 * Plain JavaScript like the secretary's dashboard (web/app.js): nothing
 * from outside this server (CSP default-src 'self'), the admin token in
 * sessionStorage only and in the Authorization header, never in a URL,
 * and server text put into the page with textContent only.
 */
(function () {
	'use strict';

	var TOKEN_KEY = 'clubmatch.admin';
	var API = '/api/v1';
	var PAGE = 200;

	var state = { token: null, generation: 0, clubs: [], sort: 'name',
		desc: false, tasks: null };

	/* The DOM helpers (web/dom.js). */
	var $ = clubmatchDom.$, h = clubmatchDom.h, clear = clubmatchDom.clear;

	function say(text) { $('alert').textContent = ''; $('msg').textContent = text; }
	function alarm(text) { $('msg').textContent = ''; $('alert').textContent = text; }

	/* ==== the API ====================================================== */
	function ApiError(status, message) {
		this.status = status;
		this.message = message;
	}

	function api(path, accept) {
		var gen = state.generation;
		var opts = { method: 'GET', cache: 'no-store', credentials: 'omit',
			referrerPolicy: 'no-referrer',
			headers: { 'Accept': accept || 'application/json',
				'Authorization': 'Bearer ' + state.token } };

		return fetch(API + path, opts).then(function (r) {
			if (gen !== state.generation)
				throw new ApiError(-1, 'signed out');
			if (r.ok && accept === 'text/csv')
				return r.blob();
			return r.text().then(function (t) {
				var data = null;
				try { data = t ? JSON.parse(t) : null; } catch (x) { data = null; }
				if (r.ok)
					return data;
				throw new ApiError(r.status, data && data.error &&
				    data.error.message ? data.error.message :
				    'The server answered ' + r.status + '.');
			});
		}, function () {
			throw new ApiError(0, 'The server cannot be reached. Check the connection and try again.');
		});
	}

	/* Every page of a list (follows "next"), up to max items. */
	function all(path, max) {
		var items = [];
		function step(after) {
			var sep = path.indexOf('?') < 0 ? '?' : '&';
			return api(path + sep + 'limit=1000' + (after ? '&after=' + after : ''))
			    .then(function (d) {
				items = items.concat(d.items || []);
				if (d.next && items.length < max)
					return step(d.next);
				return items;
			});
		}
		return step(0);
	}

	/* ==== the counts =================================================== */
	/* [group title, key in /stats, [label, key, the list behind it]] */
	var GROUPS = [
		['Members', 'members', [
			['Local', 'local', { mode: 'local' }],
			['Remote', 'remote', { mode: 'remote' }],
			['Unassigned', 'unassigned', { mode: 'unassigned' }],
			['Do not contact', 'do_not_contact', { status: 'do_not_contact' }],
			['Bouncing e-mail', 'bouncing', { email_status: 'bouncing' }],
			['Removed', 'removed', { status: 'removed' }]]],
		['Clubs', 'clubs', [
			['Active', 'active', '#clubs'],
			['Take remote members', 'accepts_remote', '#clubs']]],
		['First contacts', 'contacts', [
			['Open', 'open', { contacts: 'open' }],
			['Overdue', 'overdue', { contacts: 'overdue' }],
			['Done', 'done', { contacts: 'done' }]]],
		['Invitation mails', 'invitations', [
			['Sent', 'sent', { outbox: 'sent' }],
			['Failed', 'failed', { outbox: 'failed' }],
			['Waiting', 'pending', { outbox: 'pending' }]]],
		['Answers', 'answers', [
			['Yes', 'accepted', null], ['No', 'declined', null],
			['Maybe', 'tentative', null], ['No answer yet', 'needs_action', null]]]
	];

	function filterQuery(f) {
		var k, q = [];
		for (k in f)
			if (Object.prototype.hasOwnProperty.call(f, k))
				q.push(k + '=' + encodeURIComponent(f[k]));
		return q.join('&');
	}

	function statLink(label, n, target) {
		var a;
		if (target === null)
			return h('span', { class: 'stat-n', 'data-stat': '' }, String(n));
		if (typeof target === 'string')
			return h('a', { class: 'stat-n', href: target }, String(n));
		a = h('a', { class: 'stat-n', href: '#list', onclick: function (ev) {
			ev.preventDefault();
			showList(label, target);
		} }, String(n));
		return a;
	}

	function renderStats(s) {
		var box = $('stats');
		clear(box);
		GROUPS.forEach(function (g) {
			var ul = h('ul', { class: 'stat-list' });
			g[2].forEach(function (row) {
				var n = s[g[1]][row[1]];
				var li = h('li', { 'data-key': g[1] + '.' + row[1] },
				    h('span', null, row[0]), statLink(g[0] + ': ' + row[0], n, row[2]));
				ul.appendChild(li);
			});
			box.appendChild(h('section', { class: 'card stat-group' },
			    h('h2', null, g[0]), ul));
		});
		box.appendChild(h('section', { class: 'card stat-group' },
		    h('h2', null, 'Attendance'), h('ul', { class: 'stat-list' },
		    h('li', { 'data-key': 'attended' }, h('span', null, 'Came to a meeting'),
		    statLink('', s.attended, null)))));
	}

	/* ==== tables ======================================================= */
	function table(el, cols, rows) {
		var head = h('tr'), body = h('tbody');
		clear(el);
		cols.forEach(function (c) {
			head.appendChild(h('th', { scope: 'col', class: c.num ? 'num' : null },
			    c.sort ? h('button', { type: 'button', onclick: c.sort,
			    'aria-label': 'Sort by ' + c.title }, c.title + (c.mark || '')) :
			    c.title));
			if (c.mark)
				head.lastChild.setAttribute('aria-sort', c.mark === ' ▲' ?
				    'ascending' : 'descending');
		});
		rows.forEach(function (r) {
			var tr = h('tr');
			cols.forEach(function (c) {
				var v = c.get(r);
				tr.appendChild(h('td', { class: c.num ? 'num' : null },
				    v === null || v === undefined ? '' : v));
			});
			body.appendChild(tr);
		});
		el.appendChild(h('thead', null, head));
		el.appendChild(body);
		if (!rows.length)
			body.appendChild(h('tr', null, h('td', { colspan: cols.length,
			    class: 'empty' }, 'None.')));
	}

	var MEMBER_COLS = [
		{ title: 'Name', get: function (m) { return m.name; } },
		{ title: 'E-mail', get: function (m) { return m.email; } },
		{ title: 'ZIP', get: function (m) { return m.zip; } },
		{ title: 'State', get: function (m) { return m.state; } },
		{ title: 'Club', get: function (m) { return m.assignment && m.assignment.club_name; } },
		{ title: 'Status', get: function (m) { return m.status + (m.email_status === 'bouncing' ? ', bouncing' : ''); } },
		{ title: 'Reason', get: function (m) { return m.assignment && m.assignment.reason; } }
	];

	function free(c) {
		if (!c.accepts_remote)
			return 0;
		return c.remote_capacity === null ? null : Math.max(0, c.remote_capacity - c.remote_members);
	}

	/* Open and overdue first contacts of a club; '' when the server has
	 * no task list. */
	function tasks(c, which) {
		var t = state.tasks;
		return t ? (t[which][c.id] || 0) : '';
	}

	var CLUB_COLS = [
		['name', 'Club', function (c) { return c.name; }],
		['place', 'Place', function (c) { return c.city + ', ' + c.state; }],
		['activity', 'Activity', function (c) { return c.activity; }, true],
		['remote_members', 'Remote taken', function (c) { return c.remote_members; }, true],
		['free', 'Remote free', function (c) { var f = free(c); return c.accepts_remote ? (f === null ? 'no limit' : f) : 'none'; }, true],
		['open', 'Open tasks', function (c) { return tasks(c, 'open'); }, true],
		['overdue', 'Overdue tasks', function (c) {
			var n = tasks(c, 'overdue');
			return n ? h('span', { class: 'behind' }, String(n)) : n;
		}, true],
		['secretary', 'Secretary', function (c) { return (c.secretary_name ? c.secretary_name + ' ' : '') + '<' + c.secretary_email + '>'; }]
	];

	function sortKey(col, c) {
		if (col === 'open' || col === 'overdue')
			return tasks(c, col) || 0;
		if (col === 'free') {
			var f = free(c);
			return f === null ? Infinity : f;
		}
		return CLUB_COLS.filter(function (k) { return k[0] === col; })[0][2](c);
	}

	function renderClubs() {
		var col = state.sort, dir = state.desc ? -1 : 1;
		var rows = state.clubs.slice().sort(function (a, b) {
			var x = sortKey(col, a), y = sortKey(col, b);
			if (typeof x === 'string')
				return dir * x.localeCompare(y);
			return dir * (x - y) || a.id - b.id;
		});
		table($('clubs-table'), CLUB_COLS.map(function (k) {
			return { title: k[1], num: k[3], get: k[2],
				mark: k[0] === col ? (state.desc ? ' ▼' : ' ▲') : '',
				sort: function () {
					state.desc = state.sort === k[0] ? !state.desc : false;
					state.sort = k[0];
					renderClubs();
					$('clubs-table').querySelector('th[aria-sort] button').focus();
				} };
		}), rows);
	}

	/* The list behind a count, in the panel above the clubs. */
	function showList(title, f) {
		var path, cols = MEMBER_COLS;
		if (f.contacts) {
			path = '/contacts?status=' + f.contacts;
			cols = [
				{ title: 'Name', get: function (t) { return t.name; } },
				{ title: 'E-mail', get: function (t) { return t.email; } },
				{ title: 'Club', get: function (t) { return t.club_name; } },
				{ title: 'Due', get: function (t) { return String(t.due_at).slice(0, 10); } },
				{ title: 'Attempts', num: true, get: function (t) { return t.attempts; } },
				{ title: 'Last outcome', get: function (t) { return t.last_outcome; } }];
		} else if (f.outbox) {
			path = '/outbox?status=' + f.outbox;
			cols = [
				{ title: 'To', get: function (o) { return o.to; } },
				{ title: 'Subject', get: function (o) { return o.subject; } },
				{ title: 'Status', get: function (o) { return o.status; } },
				{ title: 'Attempts', num: true, get: function (o) { return o.attempts; } },
				{ title: 'Last error', get: function (o) { return o.last_error; } }];
		} else {
			path = '/members?' + filterQuery(f);
		}
		$('list-h').textContent = title;
		$('list').hidden = false;
		$('list-note').textContent = 'Loading…';
		return all(path, 5000).then(function (items) {
			if (f.outbox) {
				items = items.filter(function (o) { return o.kind === 'invitation'; });
				if (f.outbox === 'pending')
					return all('/outbox?status=sending', 5000).then(function (more) {
						return items.concat(more.filter(function (o) { return o.kind === 'invitation'; }));
					});
			}
			return items;
		}).then(function (items) {
			table($('list-table'), cols, items);
			$('list-note').textContent = items.length + (items.length === 1 ? ' entry' : ' entries') +
			    (items.length >= 5000 ? ' (the first 5,000; export for all)' : '') + '.';
			$('list').focus();
		}, fail);
	}

	/* ==== loading ====================================================== */
	function fail(e) {
		if (e.status === -1)
			return;
		if (e.status === 401 || e.status === 403) {
			signOut();
			$('token-err').textContent = 'This is not an admin token (the server answered ' + e.status + ').';
			$('token-err').hidden = false;
			$('token').setAttribute('aria-invalid', 'true');
			return;
		}
		alarm(e.message);
	}

	/* Tasks by club: {open: {club_id: n}, overdue: {...}}, or null when
	 * this server has no task list. */
	function loadTasks() {
		function byClub(items) {
			var n = {};
			items.forEach(function (t) { n[t.club_id] = (n[t.club_id] || 0) + 1; });
			return n;
		}
		return Promise.all([all('/contacts?status=open', 100000),
			all('/contacts?status=overdue', 100000)]).then(function (r) {
			return { open: byClub(r[0]), overdue: byClub(r[1]) };
		}, function (e) {
			if (e.status === 404)
				return null;
			throw e;
		});
	}

	/* The map is SVG drawn by the service (GET /api/v1/map.svg), parsed
	 * as XML and put in the page: no script runs from it. */
	function loadMap() {
		var lines = $('map-lines').checked ? '?lines=1' : '';
		return fetch(API + '/map.svg' + lines, { method: 'GET',
			cache: 'no-store', credentials: 'omit',
			referrerPolicy: 'no-referrer',
			headers: { 'Accept': 'image/svg+xml',
				'Authorization': 'Bearer ' + state.token } })
		    .then(function (r) { return r.ok ? r.text() : null; })
		    .then(function (t) {
			var doc, el = $('map');

			if (!t)
				return;
			doc = new DOMParser().parseFromString(t, 'image/svg+xml');
			clear(el);
			if (doc.documentElement.nodeName === 'svg')
				el.appendChild(document.importNode(doc.documentElement, true));
		    }, function () { /* the counts still show */ });
	}

	function load() {
		return Promise.all([
			api('/stats'),
			all('/clubs', 100000),
			all('/members?mode=unassigned', 5000),
			all('/members?email_status=bouncing', 5000),
			all('/members?status=removed', 5000),
			loadTasks()
		]).then(function (r) {
			$('signin').hidden = true;
			$('console').hidden = false;
			$('signout').hidden = false;
			renderStats(r[0]);
			loadMap();
			state.clubs = r[1];
			state.tasks = r[5];
			renderClubs();
			table($('unassigned-table'), MEMBER_COLS, r[2]);
			table($('bouncing-table'), MEMBER_COLS, r[3]);
			table($('removed-table'), MEMBER_COLS.slice(0, 4).concat([
				{ title: 'Why', get: function (m) { return m.removed_reason; } }]),
			    r[4]);
			return true;
		}).catch(function (e) { fail(e); return false; });
	}

	function signIn(t) {
		t = (t || '').trim();
		if (!t) {
			$('token-err').textContent = 'Paste the admin token first.';
			$('token-err').hidden = false;
			return;
		}
		state.token = t;
		try { sessionStorage.setItem(TOKEN_KEY, t); } catch (x) { /* private mode */ }
		$('token-err').hidden = true;
		$('token').removeAttribute('aria-invalid');
		load().then(function (ok) {
			if (ok) {
				say('Signed in.');
				$('main').focus();
			}
		});
	}

	function signOut() {
		state.generation++;
		state.token = null;
		try { sessionStorage.removeItem(TOKEN_KEY); } catch (x) { /* nothing */ }
		$('console').hidden = true;
		$('signout').hidden = true;
		$('signin').hidden = false;
		$('token').value = '';
		$('token').focus();
	}

	function exportCsv() {
		api('/members.csv', 'text/csv').then(function (blob) {
			var url = URL.createObjectURL(blob);
			var a = h('a', { href: url, download: 'members.csv' });
			document.body.appendChild(a);
			a.click();
			document.body.removeChild(a);
			setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
			say('Members exported to members.csv.');
		}, fail);
	}

	/* ==== the import (docs/admin.md, "Import") ========================= */
	/* A body is at most 1 MiB (CONTRACT §9): the file goes in pieces of
	 * at most CHUNK bytes, cut after a line break outside quotes, so
	 * every piece holds whole records; the server keeps the header row
	 * of the first and counts the lines across them.  The pieces go one
	 * after the other (await), and the bar moves between them, so a
	 * 100,000-row file neither freezes the page nor holds the server. */
	var CHUNK = 256 * 1024;
	var SHOWN = 5000;		/* rejected lines listed on the page */

	var imp = { lines: [], running: false };

	/* The end of the piece that starts at `from`: just after the last
	 * line break outside a quoted field within CHUNK bytes. */
	function pieceEnd(bytes, from) {
		var limit = Math.min(bytes.length, from + CHUNK), i, inq = false,
		    cut = -1, anyNl = -1;

		if (limit === bytes.length)
			return limit;
		for (i = from; i < limit; i++) {
			if (bytes[i] === 0x22)
				inq = !inq;
			else if (bytes[i] === 0x0a) {
				anyNl = i + 1;
				if (!inq)
					cut = i + 1;
			}
		}
		/* A quote that never closes: cut at a line break anyway, the
		 * server reports the line. */
		return cut > from ? cut : anyNl > from ? anyNl : limit;
	}

	function importCall(method, path, body, type) {
		var gen = state.generation;
		var opts = { method: method, cache: 'no-store', credentials: 'omit',
			referrerPolicy: 'no-referrer', body: body,
			headers: { 'Accept': 'application/json', 'Content-Type': type,
				'Authorization': 'Bearer ' + state.token } };

		return fetch(API + path, opts).then(function (r) {
			if (gen !== state.generation)
				throw new ApiError(-1, 'signed out');
			return r.text().then(function (t) {
				var data = null;
				try { data = t ? JSON.parse(t) : null; } catch (x) { data = null; }
				if (r.ok)
					return data;
				throw new ApiError(r.status, data && data.error &&
				    data.error.message ? data.error.message :
				    'The server answered ' + r.status + '.');
			});
		}, function () {
			throw new ApiError(0, 'The server cannot be reached. Check the connection and try again.');
		});
	}

	function num(n) { return Number(n).toLocaleString('en-US'); }

	function importShow(sent, size, job) {
		var pct = size ? Math.floor(100 * sent / size) : 100;

		$('import-bar').value = pct;
		$('import-pct').textContent = pct + '%';
		$('import-status').textContent = num(sent) + ' of ' + num(size) +
		    ' bytes sent; ' + num(job.rows) + ' rows read: ' +
		    num(job.imported) + ' imported, ' + num(job.already_imported) +
		    ' already imported, ' + num(job.rejected) + ' rejected.';
	}

	function importRejects(lines) {
		var tbody = $('import-table').tBodies[0];

		if (!tbody) {
			table($('import-table'), [
				{ title: 'Line', num: true }, { title: 'Field' },
				{ title: 'Reason' }, { title: 'Row' }], []);
			tbody = $('import-table').tBodies[0];
			clear(tbody);
		}
		lines.forEach(function (l) {
			imp.lines.push(l);
			if (imp.lines.length > SHOWN)
				return;
			tbody.appendChild(h('tr', null,
			    h('td', { class: 'num' }, String(l.line)),
			    h('td', null, l.field || ''), h('td', null, l.reason),
			    h('td', null, l.text)));
		});
		if (imp.lines.length) {
			$('import-rejects').hidden = false;
			$('import-rejects-note').textContent = imp.lines.length > SHOWN ?
			    'The first ' + num(SHOWN) + ' of ' + num(imp.lines.length) +
			    ' are listed; the download has them all.' : '';
		}
	}

	/* CONTRACT §9: a spreadsheet never runs a formula from our CSV. */
	function csvCell(v) {
		v = v === null || v === undefined ? '' : String(v);
		if (/^[=+\-@\t\r]/.test(v))
			v = "'" + v;
		return '"' + v.replace(/"/g, '""') + '"';
	}

	function downloadRejects() {
		var rows = ['line,field,reason,row'];
		imp.lines.forEach(function (l) {
			rows.push([l.line, l.field, l.reason, l.text].map(csvCell).join(','));
		});
		var blob = new Blob([rows.join('\r\n') + '\r\n'], { type: 'text/csv' });
		var url = URL.createObjectURL(blob);
		var a = h('a', { href: url, download: 'rejected-lines.csv' });
		document.body.appendChild(a);
		a.click();
		document.body.removeChild(a);
		setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
	}

	async function runImport(file, kind) {
		var bytes = new Uint8Array(await file.arrayBuffer());
		var job = await importCall('POST', '/imports', JSON.stringify({ kind: kind }),
		    'application/json');
		var from = 0, end;

		importShow(0, bytes.length, job);
		if (!bytes.length)	/* the server says the file is empty */
			await importCall('POST', '/imports/' + job.id + '/chunks',
			    '', 'text/csv; charset=utf-8');
		while (from < bytes.length) {
			end = pieceEnd(bytes, from);
			job = await importCall('POST', '/imports/' + job.id +
			    '/chunks?offset=' + from, bytes.subarray(from, end),
			    'text/csv; charset=utf-8');
			from = end;
			importShow(from, bytes.length, job);
			importRejects(job.rejected_lines || []);
		}
		job = await importCall('POST', '/imports/' + job.id + '/finish',
		    '{}', 'application/json');
		importShow(bytes.length, bytes.length, job);
		return job;
	}

	function startImport(ev) {
		var file = $('import-file').files[0];
		var kind = document.querySelector('input[name="import-kind"]:checked').value;

		ev.preventDefault();
		if (imp.running)
			return;
		if (!file) {
			$('import-file-err').textContent = 'Choose a CSV file first.';
			$('import-file-err').hidden = false;
			$('import-file').setAttribute('aria-invalid', 'true');
			$('import-file').focus();
			return;
		}
		$('import-file-err').hidden = true;
		$('import-file').removeAttribute('aria-invalid');
		imp.lines = [];
		imp.running = true;
		clear($('import-table'));
		$('import-rejects').hidden = true;
		$('import-run').hidden = false;
		$('import-bar').value = 0;
		$('import-pct').textContent = '0%';
		$('import-status').textContent = 'Reading ' + file.name + '…';
		$('import-start').disabled = true;
		say('Importing ' + file.name + '…');
		runImport(file, kind).then(function (job) {
			say('Import of ' + file.name + ' done: ' + num(job.imported) +
			    ' imported, ' + num(job.already_imported) +
			    ' already imported, ' + num(job.rejected) + ' rejected.');
			return load();
		}, function (e) {
			$('import-status').textContent = 'The import stopped: ' + e.message;
			fail(e);
		}).then(function () {
			imp.running = false;
			$('import-start').disabled = false;
		});
	}

	function tokenFromFragment() {
		var m = /(?:^#|&)token=([^&]*)/.exec(location.hash || ''), t = null;
		if (!m)
			return null;
		try { t = decodeURIComponent(m[1]); } catch (x) { t = m[1]; }
		history.replaceState(null, '', location.pathname + location.search);
		return t;
	}

	function start() {
		var t = tokenFromFragment();
		$('signin-form').addEventListener('submit', function (ev) {
			ev.preventDefault();
			signIn($('token').value);
		});
		$('signout').addEventListener('click', function () {
			signOut();
			say('Signed out.');
		});
		$('reload').addEventListener('click', function () {
			load().then(function (ok) { if (ok) say('Refreshed.'); });
		});
		$('export').addEventListener('click', exportCsv);
		$('import-form').addEventListener('submit', startImport);
		$('import-download').addEventListener('click', downloadRejects);
		$('map-lines').addEventListener('change', loadMap);
		$('list-close').addEventListener('click', function () {
			$('list').hidden = true;
			$('overview-h').focus();
		});
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

	if (document.readyState === 'loading')
		document.addEventListener('DOMContentLoaded', start);
	else
		start();
}());
