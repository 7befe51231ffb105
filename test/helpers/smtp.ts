// The tests' SMTP server is the one the chaos run uses too: support/smtp.ts.
export { smtpSink, type Received, type SmtpSink } from '../../support/smtp.ts'
