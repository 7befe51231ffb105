import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { ROOT } from '../helpers/processes.ts'

// Debian's chromium (apt-get install chromium), driven by playwright-core: Playwright's own browser download
// cannot work on these machines. --no-sandbox because the tests run as root.
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const RESULTS = join(ROOT, 'test-results')

export const PHONE = { width: 390, height: 844 }
export const DESKTOP = { width: 1280, height: 800 }

export async function launch (): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true })
}

/**
 * A browser context of its own (its own cookies: one person), at a fixed locale and time zone so dates and money
 * read the same on every machine. Every page error and CSP violation fails the test that reads `problems`.
 */
export async function person (browser: Browser, base: string, viewport = DESKTOP) {
  const context: BrowserContext = await browser.newContext({ baseURL: base, viewport, locale: 'en-GB', timezoneId: 'Europe/Lisbon' })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('pageerror', err => problems.push(`page error: ${err.message}`))
  page.on('console', m => { if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) problems.push(`console: ${m.text()}`) })
  return { context, page, problems }
}

/** person(), signed in as `client` (its session cookie set on the stack's address). */
export async function signedIn (browser: Browser, base: string, client: { cookie: string }, viewport = DESKTOP) {
  const p = await person(browser, base, viewport)
  const [name, value] = client.cookie.split('=')
  await p.context.addCookies([{ name, value, url: base }])
  return p
}

/** axe-core on the page as it is: the serious and critical violations, in words (empty when there are none). */
export async function accessibilityProblems (page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze()
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ')})`)
}

/** A full-page PNG under test-results/ (git-ignored), named by page and width. */
export async function screenshot (page: Page, name: string) {
  mkdirSync(RESULTS, { recursive: true })
  const width = page.viewportSize()?.width ?? 0
  await page.screenshot({ path: join(RESULTS, `${name}-${width <= 500 ? 'phone' : 'desktop'}.png`), fullPage: true })
}
