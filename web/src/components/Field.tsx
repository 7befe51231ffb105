import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react'

// A labelled field with its error beside it: the API's message for that field, tied to the input by
// aria-describedby and aria-invalid so a screen reader reads it with the field.

interface Common { label: string, error?: string, hint?: ReactNode }

function Wrap ({ id, label, error, hint, children }: Common & { id: string, children: ReactNode }) {
  return (
    <div className={'field' + (error ? ' field-invalid' : '')}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && !error && <small id={id + '-hint'} className='hint'>{hint}</small>}
      {error && <small id={id + '-error'} className='field-error' role='alert'>{error}</small>}
    </div>
  )
}

const described = (id: string, c: Common) => c.error ? id + '-error' : c.hint ? id + '-hint' : undefined

export function Field (props: Common & InputHTMLAttributes<HTMLInputElement>) {
  const { label, error, hint, ...input } = props
  const id = useId()
  return (
    <Wrap id={id} label={label} error={error} hint={hint}>
      <input id={id} aria-invalid={error ? true : undefined} aria-describedby={described(id, props)} {...input} />
    </Wrap>
  )
}

export function TextArea (props: Common & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const { label, error, hint, ...input } = props
  const id = useId()
  return (
    <Wrap id={id} label={label} error={error} hint={hint}>
      <textarea id={id} aria-invalid={error ? true : undefined} aria-describedby={described(id, props)} {...input} />
    </Wrap>
  )
}

export function Select (props: Common & SelectHTMLAttributes<HTMLSelectElement> & { options: Array<[string, string]> }) {
  const { label, error, hint, options, ...input } = props
  const id = useId()
  return (
    <Wrap id={id} label={label} error={error} hint={hint}>
      <select id={id} aria-invalid={error ? true : undefined} aria-describedby={described(id, props)} {...input}>
        {options.map(([value, text]) => <option key={value} value={value}>{text}</option>)}
      </select>
    </Wrap>
  )
}
