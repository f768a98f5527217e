import type { IncomingMessage, ServerResponse } from 'node:http';

export declare const SAMPLE_WEBHOOK_SECRET: string;
export declare function emptyAccountListener(requests: string[]): (request: IncomingMessage, response: ServerResponse) => void;
