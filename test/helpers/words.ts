import assert from 'node:assert/strict'

// A 400's words are for people (docs/http.md, Errors): whole sentences that never name a field by its wire name
// nor by a JSON path; the field is in details[].field. Text in “…” quotes the person's own input or a value to
// send (“price_asc”), so it may hold anything.

const SNAKE_CASE = /\b[a-z][a-z0-9]*_[a-z0-9_]*\b/
const JSON_PATH = /\/(body|query|querystring|params)\b|\b(body|query|querystring|params)[./]\w/

/** Fails when a message of the error body (its message or any detail's) is not words for a person. */
export function assertWordsForPeople (reply: unknown) {
  const body = reply as { message?: unknown, details?: Array<{ field: string, message: string }> }
  const messages = [body.message, ...(body.details ?? []).map(d => d.message)]
  for (const message of messages) {
    assert.equal(typeof message, 'string', JSON.stringify(body))
    const text = message as string
    const ours = text.replace(/“[^”]*”/g, '“…”')
    assert.doesNotMatch(ours, SNAKE_CASE, `a snake_case name in the message: ${JSON.stringify(body)}`)
    assert.doesNotMatch(ours, JSON_PATH, `a JSON path in the message: ${JSON.stringify(body)}`)
    assert.match(text, /^[A-Z“]/, `the message starts a sentence: ${JSON.stringify(body)}`)
    assert.match(text, /[.!?]$/, `the message ends a sentence: ${JSON.stringify(body)}`)
  }
}
