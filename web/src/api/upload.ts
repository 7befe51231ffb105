import { ApiError } from './client.ts'
import type { ErrorBody } from './types.ts'

// A file sent as the body of a request, as the photo routes take it (docs/http.md, Photos), with its progress:
// fetch cannot report an upload's progress, XMLHttpRequest can.

/** Sends the file's bytes; onProgress gets the share sent, 0 to 1. Answers the JSON reply, or throws an ApiError. */
export function uploadFile<T> (method: 'POST' | 'PUT', path: string, file: Blob, onProgress: (share: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open(method, path)
    xhr.withCredentials = true
    // The bytes decide what the file is; a type the browser does not know is sent as plain bytes.
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream')
    xhr.upload.onprogress = e => { if (e.lengthComputable) onProgress(e.loaded / e.total) }
    xhr.onload = () => {
      let json: unknown
      try { json = xhr.responseText ? JSON.parse(xhr.responseText) : undefined } catch { json = undefined }
      if (xhr.status >= 200 && xhr.status < 300) resolve(json as T)
      else reject(new ApiError(xhr.status, (json ?? {}) as Partial<ErrorBody>))
    }
    xhr.onerror = () => reject(new ApiError(0, { code: 'NETWORK', message: 'The upload did not get through. Check your connection and try again.' }))
    xhr.send(file)
  })
}
