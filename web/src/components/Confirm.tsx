import { createContext, useCallback, useContext, useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react'

// One confirmation dialog for the app's destructive actions (decline, withdraw, cancel): a modal <dialog> (the
// page behind is inert), Tab kept inside it, Escape or "Keep it" closes it, focus back on the button that opened
// it. It says what will happen and who will be told, and names the action on its button.

export interface Ask {
  title: string
  /** What happens, and who is told ("Lea will be told."). */
  body: ReactNode
  /** The destructive button's words ("Cancel the stay"). */
  confirm: string
  /** The other button's words. */
  keep?: string
}

type Confirm = (ask: Ask) => Promise<boolean>
const ConfirmContext = createContext<Confirm>(async () => window.confirm('Are you sure?'))

export function ConfirmProvider ({ children }: { children: ReactNode }) {
  const [ask, setAsk] = useState<(Ask & { resolve (ok: boolean): void, opener: Element | null }) | null>(null)
  const dialog = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  const bodyId = useId()

  const confirm = useCallback<Confirm>(a => new Promise(resolve => setAsk({ ...a, resolve, opener: document.activeElement })), [])

  useEffect(() => {
    const d = dialog.current
    if (ask && d && !d.open) {
      d.showModal()
      d.querySelector<HTMLButtonElement>('button[data-keep]')?.focus()
    }
  }, [ask])

  const close = (ok: boolean) => {
    if (!ask) return
    dialog.current?.close()
    ask.resolve(ok)
    const opener = ask.opener
    setAsk(null)
    // After React has re-rendered (the opener may be re-enabled then); if it is gone, the page's heading.
    setTimeout(() => {
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus()
      if (document.activeElement === document.body) document.querySelector<HTMLElement>('main')?.focus()
    }, 0)
  }

  /** Tab and Shift+Tab go round the dialog's buttons, never out to the page or the browser. */
  const trap = (e: KeyboardEvent<HTMLDialogElement>) => {
    if (e.key !== 'Tab' || !dialog.current) return
    const items = [...dialog.current.querySelectorAll<HTMLElement>('button, a[href], input, select, textarea')].filter(el => !el.hasAttribute('disabled'))
    if (items.length === 0) return
    const first = items[0]
    const last = items[items.length - 1]
    if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus() } else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus() }
  }

  return (
    <ConfirmContext.Provider value={confirm}>
      {children}
      <dialog
        ref={dialog} className='confirm' aria-labelledby={titleId} aria-describedby={bodyId} onKeyDown={trap}
        onCancel={e => { e.preventDefault(); close(false) }}
      >
        {ask && (
          <>
            <h2 id={titleId}>{ask.title}</h2>
            <div id={bodyId} className='confirm-body'>{ask.body}</div>
            <div className='actions'>
              <button type='button' className='secondary' data-keep onClick={() => close(false)}>{ask.keep ?? 'Keep it'}</button>
              <button type='button' className='danger-solid' onClick={() => close(true)}>{ask.confirm}</button>
            </div>
          </>
        )}
      </dialog>
    </ConfirmContext.Provider>
  )
}

/** Asks the person to confirm; true when they chose the action. */
export const useConfirm = () => useContext(ConfirmContext)
