import { Type } from 'typebox'
import { NextCursor, PageQuery } from '../http/paging.ts'
import { CalendarDate, NullableTimestamp, Timestamp } from '../http/schemas.ts'
import { MAX_REVIEW_LENGTH } from './text.ts'

const ReviewText = (what: string) => Type.String({
  minLength: 1,
  // In UTF-16 units, twice the limit in characters: text.ts counts characters and says how many there are.
  maxLength: MAX_REVIEW_LENGTH * 2,
  description: `${what}: 1 to ${MAX_REVIEW_LENGTH} characters, line breaks and tabs allowed, no other control or text-direction characters; shown as text, never as HTML`
})

export const ReviewInput = Type.Object({
  rating: Type.Integer({ minimum: 1, maximum: 5, description: '1 (poor) to 5 (excellent)' }),
  comment: ReviewText('the review')
}, { additionalProperties: false })

export const ReplyInput = Type.Object({ reply: ReviewText("the host's public reply") }, { additionalProperties: false })

const Person = Type.Object({ id: Type.Integer(), name: Type.String() })

export const Review = Type.Object({
  id: Type.Integer(),
  booking_id: Type.Integer(),
  property_id: Type.Integer(),
  author: Person,
  author_role: Type.Union([Type.Literal('traveler'), Type.Literal('owner')], { description: "traveler: the guest's review of the stay and its host; owner: the host's review of the guest" }),
  rating: Type.Integer({ minimum: 1, maximum: 5 }),
  comment: Type.String(),
  created_at: Timestamp,
  published_at: Type.Union([Timestamp, Type.Null()], { description: 'null until both parties have written or the window has closed; until then only its author sees it' }),
  reply: Type.Union([Type.String(), Type.Null()], { description: "the host's public reply to a guest's review" }),
  replied_at: NullableTimestamp
})
export const ReviewReply = Type.Object({ review: Review })

export const StayReviews = Type.Object({
  window: Type.Object({
    opens_on: CalendarDate,
    closes_on: CalendarDate,
    open: Type.Boolean({ description: 'the caller may write their review now: the stay was accepted, has ended, the window has not closed and they have not written yet' })
  }),
  mine: Type.Union([Review, Type.Null()], { description: "the caller's review, published or not" }),
  theirs: Type.Union([Review, Type.Null()], { description: "the other party's review, once published (null before, whether written or not: double-blind)" })
})

export const WriteReply = Type.Object({
  review: Review,
  published: Type.Boolean({ description: 'true when this review published both (the other party had written); false: it waits for them or the window\'s close' })
})

export const Rating = Type.Object({
  average: Type.Union([Type.Number(), Type.Null()], { description: "the guests' average rating, to one decimal; null before the first review" }),
  count: Type.Integer({ description: "the guests' published reviews" })
})

export const PropertyReviewsQuery = Type.Object(PageQuery, { additionalProperties: false })
export const PropertyReviews = Type.Object({
  rating: Rating,
  reviews: Type.Array(Review, { description: "the guests' published reviews, newest first" }),
  next_cursor: NextCursor
})
