/*
 * dom.js - the DOM helpers of the secretary's dashboard (web/app.js) and
 * the organizer's console (web/admin.js); each page loads it before its
 * own script.
 *
 * Plain JavaScript, no build step (docs/dashboard.md).  h() puts strings
 * (and numbers) into the page as text nodes, never as HTML.
 */
var clubmatchDom = (function () {
	'use strict';

	function $(id) { return document.getElementById(id); }

	/* h('p', {class: 'x'}, 'text', child...) - builds an element.  An
	 * attribute that is null, undefined or false is left out; 'class'
	 * and 'text' set className and textContent, 'on...' adds a
	 * listener.  Children that are null, undefined or false are left
	 * out. */
	function h(tag, attrs) {
		var el = document.createElement(tag), k, i, c;
		for (k in attrs || {}) {
			if (!Object.prototype.hasOwnProperty.call(attrs, k) ||
			    attrs[k] === null || attrs[k] === undefined ||
			    attrs[k] === false)
				continue;
			if (k === 'class')
				el.className = attrs[k];
			else if (k === 'text')
				el.textContent = attrs[k];
			else if (k.slice(0, 2) === 'on')
				el.addEventListener(k.slice(2), attrs[k]);
			else
				el.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
		}
		for (i = 2; i < arguments.length; i++) {
			c = arguments[i];
			if (c === null || c === undefined || c === false)
				continue;
			el.appendChild(typeof c === 'string' || typeof c === 'number' ?
			    document.createTextNode(String(c)) : c);
		}
		return el;
	}

	function clear(el) {
		while (el.firstChild)
			el.removeChild(el.firstChild);
	}

	return { $: $, h: h, clear: clear };
}());
