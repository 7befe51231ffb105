import { createHash, createHmac, randomBytes } from 'node:crypto'

// The links of account e-mails (password reset, e-mail change). The token in a link is an HMAC-SHA256, under the key
// the API and the e-mail service share, of the account_tokens row's id and a random nonce; only its SHA-256 is
// stored. The API makes the row and its hash; the e-mail service, holding the same key, makes the same token again
// for the link it sends. Someone who reads the database without the key cannot make a working link.

const PURPOSE = 'hostly-account-link-v1'

export type TokenPurpose = 'password_reset' | 'email_change'

/** How long each kind of link works: a reset one hour (issue 18), an e-mail change a day (the new inbox may be slow). */
export const TOKEN_TTL_MINUTES: Record<TokenPurpose, number> = { password_reset: 60, email_change: 24 * 60 }

/** The web page each kind of e-mail links to (APP_URL + path + ?token=). */
export const TOKEN_PAGE: Record<TokenPurpose, string> = { password_reset: '/reset-password', email_change: '/confirm-email' }

export const hashAccountToken = (token: string) => createHash('sha256').update(token).digest()

export class AccountLinks {
  readonly #key: string

  constructor (key: string) {
    this.#key = key
  }

  /** The token of a row: the same for the same id and nonce, so a resent e-mail carries the same link. */
  token (id: number | string, nonce: Buffer): string {
    return createHmac('sha256', this.#key).update(`${PURPOSE}\n${id}\n`).update(nonce).digest('base64url')
  }

  static nonce (): Buffer {
    return randomBytes(16)
  }
}
