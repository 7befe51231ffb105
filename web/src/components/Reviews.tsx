import { useCallback, useEffect, useState, type FormEvent } from 'react'
import { api } from '../api/client.ts'
import type { PropertyReviewsPage, Review, StayReviews as StayReviewsReply, WrittenReview } from '../api/types.ts'
import { formatDay, formatTimestamp, plural } from '../format.ts'
import { useLive } from '../live.tsx'
import { useSubmit } from '../useSubmit.ts'
import { TextArea } from './Field.tsx'
import { ErrorText, Loading } from './Status.tsx'

// Reviews after a stay: on the booking page, each party's form and the two reviews (double-blind: the other's shows
// once published); on the place's page, the guests' reviews with their average and the host's replies.

/** A rating as stars for the eye and as words for a screen reader. */
export function Stars ({ rating }: { rating: number }) {
  const whole = Math.round(rating)
  return (
    <span className='stars' role='img' aria-label={`${rating} out of 5`}>
      <span aria-hidden='true'>{'★'.repeat(whole)}<span className='stars-off'>{'★'.repeat(5 - whole)}</span></span>
    </span>
  )
}

function ReviewView ({ review, title }: { review: Review, title: string }) {
  return (
    <article className='review' data-review={review.id} aria-label={title}>
      <header>
        <strong>{title}</strong> <Stars rating={review.rating} />
        {review.published_at && <time className='muted small' dateTime={String(review.published_at)}> {formatTimestamp(String(review.published_at))}</time>}
      </header>
      <p className='review-text'>{review.comment}</p>
      {review.reply && (
        <div className='review-reply'>
          <strong>The host’s reply</strong>
          <p className='review-text'>{review.reply}</p>
        </div>
      )}
    </article>
  )
}

const RATING_WORDS = ['', 'Poor', 'Fair', 'Good', 'Very good', 'Excellent']

/** The rating as five radio buttons (arrow keys move between them, as any radio group), then the words. */
function ReviewForm ({ bookingId, other, onWritten }: { bookingId: number, other: string, onWritten: (w: WrittenReview) => void }) {
  const [rating, setRating] = useState(0)
  const [comment, setComment] = useState('')
  const form = useSubmit(['rating', 'comment'])
  const submit = (e: FormEvent) => {
    e.preventDefault()
    void form.run(async () => {
      onWritten(await api<WrittenReview>('POST', `/api/bookings/${bookingId}/reviews`, { rating: rating || undefined, comment }))
    })
  }
  const ratingError = form.field('rating')
  return (
    <form className='review-form' onSubmit={submit} noValidate aria-labelledby='review-form-title'>
      <h3 id='review-form-title'>Review {other}</h3>
      <fieldset className={'rating-field' + (ratingError ? ' field-invalid' : '')} aria-describedby={ratingError ? 'rating-error' : undefined}>
        <legend>Your rating</legend>
        <div className='rating-choices'>
          {[1, 2, 3, 4, 5].map(n => (
            <label key={n} className={'rating-choice' + (n <= rating ? ' chosen' : '')}>
              <input type='radio' name='rating' value={n} checked={rating === n} onChange={() => setRating(n)} />
              <span aria-hidden='true'>★</span>
              <span className='visually-hidden'>{n} out of 5: {RATING_WORDS[n]}</span>
            </label>
          ))}
          <span className='muted small' aria-hidden='true'>{rating ? RATING_WORDS[rating] : 'Choose 1 to 5 stars'}</span>
        </div>
        {ratingError && <small id='rating-error' className='field-error' role='alert'>{ratingError}</small>}
      </fieldset>
      <TextArea
        label='Your review' value={comment} onChange={e => setComment(e.target.value)} rows={4} maxLength={2000}
        error={form.field('comment')} hint={`${other} sees it once they have written theirs, or 14 days after the stay.`}
      />
      <ErrorText>{form.general}</ErrorText>
      <button type='submit' disabled={form.busy}>{form.busy ? 'Sending…' : 'Send the review'}</button>
    </form>
  )
}

/** A stay's reviews on its booking page, for either party. */
export function StayReviews ({ bookingId, other }: { bookingId: number, other: string }) {
  const [reply, setReply] = useState<StayReviewsReply | null>(null)
  const [error, setError] = useState<string | null>(null)
  const load = useCallback(async () => {
    try {
      setReply(await api<StayReviewsReply>('GET', `/api/bookings/${bookingId}/reviews`))
      setError(null)
    } catch (err) { setError((err as Error).message) }
  }, [bookingId])
  useEffect(() => { void load() }, [load])
  // The other's review arrives as a notification about this booking.
  useLive(m => { if (m.type === 'notification' && m.notification.booking_id === bookingId && m.notification.type === 'review_published') void load() })
  if (error) return <ErrorText>{error}</ErrorText>
  if (!reply) return <Loading what='Loading the reviews' />
  const { window: w, mine, theirs } = reply
  const today = new Date().toISOString().slice(0, 10)
  if (!mine && !theirs && !w.open) {
    return <p className='muted'>{today < w.opens_on ? `You can review this stay from ${formatDay(w.opens_on)}, once it has ended, for 14 days.` : 'No reviews of this stay.'}</p>
  }
  return (
    <div className='stay-reviews'>
      {w.open && <ReviewForm bookingId={bookingId} other={other} onWritten={() => { void load() }} />}
      {mine && <ReviewView review={mine} title='Your review' />}
      {mine && !mine.published_at && (
        <p className='notice' role='status'>
          Your review is saved. It is published when {other} has written theirs, or on {formatDay(w.closes_on)}, whichever comes first.
        </p>
      )}
      {theirs && <ReviewView review={theirs} title={`${other}’s review`} />}
      {!theirs && mine && mine.published_at && <p className='muted'>{other} did not write a review.</p>}
    </div>
  )
}

/** A place's reviews: the average, then its guests' reviews newest first, more on demand; its host may reply. */
export function PropertyReviews ({ propertyId, isHost }: { propertyId: number, isHost: boolean }) {
  const [page, setPage] = useState<PropertyReviewsPage | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [more, setMore] = useState(false)
  const load = useCallback(async () => {
    try {
      setPage(await api<PropertyReviewsPage>('GET', `/api/properties/${propertyId}/reviews?limit=5`))
    } catch (err) { setError((err as Error).message) }
  }, [propertyId])
  useEffect(() => { void load() }, [load])
  const loadMore = async () => {
    if (!page?.next_cursor) return
    setMore(true)
    try {
      const next = await api<PropertyReviewsPage>('GET', `/api/properties/${propertyId}/reviews?limit=5&cursor=${encodeURIComponent(page.next_cursor)}`)
      setPage(p => p && { ...next, reviews: [...p.reviews, ...next.reviews] })
    } catch (err) { setError((err as Error).message) } finally { setMore(false) }
  }
  const replied = (review: Review) => setPage(p => p && { ...p, reviews: p.reviews.map(r => r.id === review.id ? review : r) })
  return (
    <section className='property-reviews' aria-labelledby='reviews-title'>
      <h2 id='reviews-title'>
        Reviews
        {page && page.rating.average !== null && <> <Stars rating={page.rating.average} /> <span className='muted'>{page.rating.average.toFixed(1)} · {plural(page.rating.count, 'review')}</span></>}
      </h2>
      <ErrorText>{error}</ErrorText>
      {!page && !error && <Loading what='Loading the reviews' />}
      {page && page.reviews.length === 0 && <p className='muted'>No reviews yet.</p>}
      {page && (
        <ul className='review-list'>
          {page.reviews.map(r => (
            <li key={r.id}>
              <ReviewView review={r} title={r.author.name} />
              {isHost && !r.reply && <ReplyForm review={r} onReplied={replied} />}
            </li>
          ))}
        </ul>
      )}
      {page?.next_cursor && <button type='button' className='secondary' disabled={more} onClick={() => { void loadMore() }}>{more ? 'Loading…' : 'Show more reviews'}</button>}
    </section>
  )
}

function ReplyForm ({ review, onReplied }: { review: Review, onReplied: (r: Review) => void }) {
  const [open, setOpen] = useState(false)
  const [text, setText] = useState('')
  const form = useSubmit(['reply'])
  if (!open) return <button type='button' className='secondary small' onClick={() => setOpen(true)}>Reply to {review.author.name}</button>
  const submit = (e: FormEvent) => {
    e.preventDefault()
    void form.run(async () => {
      onReplied((await api<{ review: Review }>('POST', `/api/reviews/${review.id}/reply`, { reply: text })).review)
    })
  }
  return (
    <form className='reply-form' onSubmit={submit} noValidate>
      <TextArea label={`Your public reply to ${review.author.name}`} value={text} onChange={e => setText(e.target.value)} rows={3} maxLength={2000} error={form.field('reply')} hint='Anyone can read it, under the review; you can reply once.' autoFocus />
      <ErrorText>{form.general}</ErrorText>
      <button type='submit' disabled={form.busy}>{form.busy ? 'Sending…' : 'Publish the reply'}</button>
    </form>
  )
}
