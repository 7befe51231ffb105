import type { ReactNode } from 'react'

export const Loading = ({ what = 'Loading' }: { what?: string }) =>
  <p className='loading' role='status'><span className='spinner' aria-hidden='true' />{what}…</p>

export const Empty = ({ children }: { children: ReactNode }) => <div className='empty'>{children}</div>

/** An error in words, announced when it appears. */
export const ErrorText = ({ children }: { children: ReactNode }) =>
  children ? <p className='error' role='alert'>{children}</p> : null
