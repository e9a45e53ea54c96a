import { describe, expect, it } from 'vitest';
import { fileUrlFor, webSocketUrl } from '../../renderer/src/lib/api';

describe('transport URLs', () => {
  it('loads workspace files from /files/ of the page origin, with the session token in browser mode', () => {
    const browser = fileUrlFor('tok+/=');
    expect(browser('runs/20260101-000000-a-0000/backward/0000100/0.png')).toBe('/files/runs/20260101-000000-a-0000/backward/0000100/0.png?token=tok%2B%2F%3D');
    // Each segment is encoded; the separators stay.
    expect(browser('runs/x y/#1.png')).toBe('/files/runs/x%20y/%231.png?token=tok%2B%2F%3D');
    const electron = fileUrlFor(null);
    expect(electron('runs/r/svd/layer0_0000040/u3.png')).toBe('/files/runs/r/svd/layer0_0000040/u3.png');
    // Data URLs (an SVD computed without a writable cache) pass through.
    expect(electron('data:image/png;base64,AAAA')).toBe('data:image/png;base64,AAAA');
  });

  it('connects the WebSocket with the token of the page', () => {
    expect(webSocketUrl({ protocol: 'http:', host: '127.0.0.1:5000', search: '?token=abc' })).toBe('ws://127.0.0.1:5000/ws?token=abc');
  });
});
