// Ward review console: a little help where it saves clicks.  Every page
// works without it (Content-Security-Policy: script-src 'self').
"use strict";
document.addEventListener("DOMContentLoaded", () => {
	// The incident list's "all" box ticks every incident of the page.
	for (const all of document.querySelectorAll("input.all")) {
		all.addEventListener("change", () => {
			for (const box of all.closest("table").querySelectorAll("input[name=leaf]"))
				box.checked = all.checked;
		});
	}
	// A resolution only matters when closing: offer it then.
	for (const form of document.querySelectorAll("form.state-form")) {
		const to = form.querySelector("select[name=to]");
		const resolution = form.querySelector("select[name=resolution]");
		const sync = () => {
			const closing = to.value === "closed";
			resolution.closest("label").hidden = !closing;
			resolution.required = closing;
		};
		to.addEventListener("change", sync);
		sync();
	}
	// Revocations cannot be taken back: ask once.
	for (const form of document.querySelectorAll("form.revoke-form")) {
		const button = form.querySelector("button");
		form.addEventListener("submit", (event) => {
			if (button.dataset.confirm && !window.confirm(button.dataset.confirm))
				event.preventDefault();
		});
	}
});
