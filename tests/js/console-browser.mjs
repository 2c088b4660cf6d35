// The review console in a real browser: the system's Chromium driven by
// playwright-core (no browser downloaded), trusting only the test
// collector's CA (an NSS database in BROWSER_HOME, as a desk's would).
// One step per run, each in a fresh profile, with screenshots in OUT:
//   node console-browser.mjs STEP
//   CONSOLE_URL  https://127.0.0.1:PORT     BROWSER_HOME  $HOME with .pki/nssdb
//   OUT          screenshots, downloads     WHO, PASSWORD  the account
//   REF          the incident's reference   STEP-specific: REASON, COMMENT, APPROVE_REASON
// Prints what it checked; exits non-zero at the first thing that is not so.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
	if (!process.env[name]) throw new Error(`${name} is not set`);
	return process.env[name];
};
const base = env('CONSOLE_URL');
const out = env('OUT');
const step = process.argv[2];
let shots = 0;

function ok(what) { console.log(`ok - ${what}`); }
function check(cond, what) {
	if (!cond) throw new Error(`not so: ${what}`);
	ok(what);
}

async function shot(page, name) {
	await page.screenshot({ path: join(out, `${String(++shots).padStart(2, '0')}-${step}-${name}.png`), fullPage: true });
}

async function signIn(page) {
	await page.goto(`${base}/incidents`);
	check(page.url().startsWith(`${base}/signin`), 'an anonymous visit lands on the sign-in page');
	await page.fill('input[name=name]', env('WHO'));
	await page.fill('input[name=password]', env('PASSWORD'));
	await Promise.all([page.waitForURL(`${base}/incidents`), page.click('form.signin button[type=submit]')]);
	check(await page.locator('h1').innerText() === '案件', `${env('WHO')} signed in, the incident list in Traditional Chinese`);
}

async function openIncident(page) {
	await page.fill('input[name=q]', env('REF'));
	await Promise.all([page.waitForURL(/\/incidents\?/), page.click('form.filters button[type=submit]')]);
	check(await page.locator('p.count').getAttribute('data-count') === '1', `the search finds reference ${env('REF')}`);
	await Promise.all([page.waitForURL(/\/incident\/\d+$/), page.click(`a.ref:text-is("${env('REF')}")`)]);
	check((await page.locator('h1').innerText()).includes(env('REF')), 'its page opens');
}

async function review(page) {
	await signIn(page);
	await shot(page, 'list');
	await openIncident(page);
	const marks = await page.locator('section.evidence li.ok').allInnerTexts();
	check(marks.length === 4 && marks.every((t) => t.startsWith('✓')), 'evidence: signature ✓ chain ✓ receipt ✓ stored bytes ✓');
	const facts = await page.locator('section.facts').innerText();
	check(facts.includes(env('SERIAL')), `the stick's serial ${env('SERIAL')} is shown`);
	check(/結果\s+已拒絕/.test(facts), 'the outcome reads 已拒絕, not wardd\'s code');
	await shot(page, 'incident');
	await page.selectOption('form.state-form select[name=to]', 'investigating');
	await page.fill('form.state-form textarea[name=reason]', env('REASON'));
	await Promise.all([page.waitForURL(/done=state/), page.click('form.state-form button[type=submit]')]);
	check(await page.locator('p.state span.investigating').count() === 1, 'moved to 調查中 with a reason');
	await page.fill('form.comment-form textarea[name=text]', env('COMMENT'));
	await Promise.all([page.waitForURL(/done=comment/), page.click('form.comment-form button[type=submit]')]);
	check((await page.locator('section.trail').innerText()).includes(env('COMMENT')), 'the comment is in the trail');
	await shot(page, 'reviewed');
}

async function approve(page) {
	await signIn(page);
	await openIncident(page);
	await Promise.all([page.waitForURL(/\/approve$/), page.click('a.approve')]);
	check(await page.locator('input[name=scope][value=file]').isChecked(), 'the approval is for this file by default');
	check(await page.locator('input[name=device][value=this]').isChecked(), 'and for this stick');
	await page.fill('input[name=reason]', env('APPROVE_REASON'));
	await page.fill('input[name=password]', env('PASSWORD'));
	await shot(page, 'form');
	await Promise.all([page.waitForURL(/done=approved/), page.click('form.approve-form button[type=submit]')]);
	check((await page.locator('section.approvals').innerText()).includes(env('APPROVE_REASON')), 'the approval is listed with its reason');
	await shot(page, 'approved');
}

async function close(page) {
	await signIn(page);
	await openIncident(page);
	const delivered = await page.locator('section.approvals tbody').innerText();
	check(delivered.includes('已送達端點'), 'the approval shows as sent to the desk');
	await page.selectOption('form.state-form select[name=to]', 'closed');
	await page.selectOption('form.state-form select[name=resolution]', 'approved-exception');
	await page.fill('form.state-form textarea[name=reason]', env('REASON'));
	await Promise.all([page.waitForURL(/done=state/), page.click('form.state-form button[type=submit]')]);
	check((await page.locator('p.state').innerText()).includes('核准例外'), 'closed as 核准例外');
	// 調查中, the comment, the approval, 已結案: each a leaf with its proof.
	const logged = await page.locator('section.trail .logged').evaluateAll((e) => e.map((x) => [x.className, x.title]));
	const unproven = logged.filter(([c]) => !c.split(' ').includes('ok')).map(([, why]) => why);
	check(logged.length === 4 && unproven.length === 0,
		`each of the ${logged.length} review actions is proven in the log${unproven.length ? ` (not: ${unproven.join('; ')})` : ''}`);
	await shot(page, 'closed');
}

async function exports(page) {
	await signIn(page);
	await page.goto(`${base}/incidents?q=${encodeURIComponent(env('REF'))}`);
	const [csv] = await Promise.all([page.waitForEvent('download'), page.click('a.csv')]);
	await csv.saveAs(join(out, 'incidents.csv'));
	ok(`the CSV downloads as ${csv.suggestedFilename()}`);
	await page.check('input[name=leaf]');
	const [bundle] = await Promise.all([page.waitForEvent('download'), page.click('button[name=bundle]')]);
	await bundle.saveAs(join(out, 'evidence.tar.gz'));
	ok(`the evidence bundle downloads as ${bundle.suggestedFilename()}`);
}

async function hostile(page) {
	let dialogs = 0;
	page.on('dialog', async (d) => { dialogs++; await d.dismiss(); });
	await signIn(page);
	await page.goto(`${base}/incidents?q=${encodeURIComponent('<script')}`);
	const name = await page.locator('td.file').first().innerText();
	check(name === '<script>alert(1)</script>.odt', 'a file named <script>alert(1)</script>.odt reads as text');
	await Promise.all([page.waitForURL(/\/incident\/\d+$/), page.locator('a.ref').first().click()]);
	check((await page.locator('section.facts').innerText()).includes('o\'brien "the tester"'), 'an employee named o\'brien "the tester" reads as text');
	await shot(page, 'hostile-names');
	check(dialogs === 0, 'no script ran');
}

const steps = { review, approve, close, exports, hostile };
if (!steps[step]) {
	console.error(`usage: node console-browser.mjs ${Object.keys(steps).join('|')}`);
	process.exit(2);
}
const profile = mkdtempSync(join(tmpdir(), 'ward-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
	executablePath: '/usr/bin/chromium',
	headless: true,
	acceptDownloads: true,
	locale: 'zh-TW',
	timezoneId: 'Asia/Taipei',
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		'--disable-background-networking', '--disable-component-update', '--disable-sync'],
	env: { ...process.env, HOME: env('BROWSER_HOME') },
});
let status = 0;
try {
	const page = context.pages()[0] || await context.newPage();
	page.setDefaultTimeout(20000);
	await steps[step](page);
} catch (e) {
	console.log(`not ok - ${step}: ${e.message}`);
	status = 1;
} finally {
	await context.close();
	rmSync(profile, { recursive: true, force: true });
}
process.exit(status);
