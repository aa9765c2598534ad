//! TypeScript declarations of the public surface that wasm-bindgen cannot infer: option
//! objects and the error class. What the library returns (reports, events, enrollment info, the
//! state, guides) and the code and step unions are declared by tsify from their Rust types. No
//! `any`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** A page: the photo or PDF, by handle (never copied into wasm memory). */
export type Page = Blob | File | ArrayBuffer | ArrayBufferView;

/** Where requests go: ID360 production, preproduction, or another origin (proxy, sandbox). */
export type Id360Environment = "production" | "preproduction" | { baseUrl: string };

/** Options of `new Id360Flow(...)`. */
export interface Id360FlowOptions {
  /** The enrollment's api_key, from your server. */
  apiKey: string;
  /** Which ID360 the api_key belongs to. */
  environment: Id360Environment;
  /** Timeout of one attempt of a small call, in ms (default 30000). */
  timeoutMs?: number;
  /** Timeout of one attempt of an upload, in ms (default 120000). */
  uploadTimeoutMs?: number;
  /** Retries after network errors, timeouts, 5xx and 429 (default 3, at most 10). */
  retries?: number;
  /** Cancels what is in flight and what is queued. */
  signal?: AbortSignal;
  /** Called before each retry. */
  onRetry?: (event: RetryEvent) => void;
}

/** Options of `acceptTerms`. */
export interface TermsOptions { /** Also consent to biometric face comparison (needed for a selfie). */ biometry?: boolean; }

/** Options of the upload methods. */
export interface UploadOptions {
  /** Real byte progress (XMLHttpRequest) in browsers; per completed page in Node. */
  onProgress?: (progress: UploadProgress) => void;
  /**
   * Cancels this upload only (rejects with `aborted`): the flow goes on, pages already accepted
   * are kept and not sent again. An upload waiting its turn behind another call on the flow
   * rejects when its turn comes, before sending anything. (The flow's own `signal` ends the
   * whole flow.)
   */
  signal?: AbortSignal;
}

/** Options of `run`. */
export interface RunOptions {
  /** The identity document's pages (1 or 2). */
  document: Page[] | Page;
  /** Upload name of the document (default "id_document_image"). */
  documentName?: string;
  /** The selfie; when given, biometry is consented. */
  selfie?: Page;
  /** Route to select when the process offers several. */
  routeId?: number;
  /** Consent to biometry without a selfie (default: whether a selfie is given). */
  biometry?: boolean;
  onStep?: (event: StepEvent) => void;
  onProgress?: (progress: UploadProgress) => void;
}

export interface Id360Flow {
  /**
   * Selects the route: the only one offered when `routeId` is left out; resolves with the
   * selected id. Reads `enrollment_info` first if needed.
   */
  selectRoute(routeId?: number): Promise<number>;
}

/** What a framing guide frames. */
export type GuideKind = "id_card" | "passport" | "paper_licence" | "selfie";

/** A document a guide frames (and a crop keeps). */
export type DocumentKind = "id_card" | "passport" | "paper_licence";

/** Thresholds of the verdict (defaults in `QualityReport`'s and its parts' comments). */
export interface QualityThresholds {
  minSharpness?: number; glareLevel?: number; minBrightness?: number; maxBrightness?: number;
  minResolution?: number;
  /** Share of glare pixels above which glare (0.01; 0.05 with the 'selfie' region). */
  maxGlare?: number;
  /** Contrast (standard deviation / 255) below which low_contrast (0.08; 0.02 with the 'selfie'
   * region: a face has little contrast). */
  minContrast?: number;
  /** Document area against the guide's: too_far below (0.55), too_close above (1.25). */
  minCoverage?: number; maxCoverage?: number;
  /** Degrees of rotation or slant above which the document is tilted (12). */
  maxSkew?: number;
  /** Share of the frame a corner must keep from its edge (0.02), else partly_outside. */
  edgeMargin?: number;
  /** Face width against the oval's, below which face_too_small (0.4). */
  minFaceSize?: number;
  /** Face centre's distance from the oval's, in oval sizes, above which face_off_center (0.2). */
  maxFaceOffset?: number;
  /** autoCapture: how far a corner may move between still frames, px of a 640-px frame (1.5). */
  maxMotion?: number;
}

/** Where to check and how strictly. */
export interface QualityOptions {
  /** A framing guide (a document kind finds the document, 'selfie' the face), or a rectangle in
   * video pixels (default: the whole frame). */
  region?: GuideKind | { x: number; y: number; width: number; height: number };
  thresholds?: QualityThresholds;
}

/** Options of `Camera.open`. */
export interface CameraOptions {
  /** Default "environment" (the rear camera). */
  facing?: "environment" | "user";
  deviceId?: string;
  /** Wanted width in pixels (default 1920). */
  idealWidth?: number;
}

/** Options of `camera.switchTo`. */
export type SwitchOptions = CameraOptions;

/** JPEG encoding of prepared photos. */
export interface EncodeOptions {
  /** Long edge cap in pixels (default 2000). */
  maxEdge?: number;
  /** JPEG quality 0.1..1 (default 0.92). */
  quality?: number;
}

/** Options of `camera.capture`. */
export interface CaptureOptions extends EncodeOptions {
  /** Keep only the document, flat and upright (rejects with `no_document` when none is found). */
  crop?: boolean;
  /** With `crop`: the guide the document is looked for in (default 'id_card'). */
  region?: DocumentKind;
}

/** Options of `prepareFile`. */
export interface PrepareFileOptions extends EncodeOptions {
  /** How long the file's bytes may take to be read, in ms (default 30 000; then `timeout`). */
  timeoutMs?: number;
}

/** Options of `cropDocument`. */
export interface CropOptions extends PrepareFileOptions {
  /** The document's kind: where it is looked for when no corners are given, and the crop's
   * proportions (default 'id_card'). */
  kind?: DocumentKind;
  /** Share of the document's size kept around it, 0..0.2 (default 0.02). */
  margin?: number;
}

/** Options of `camera.autoCapture`. */
export interface AutoCaptureOptions extends QualityOptions, EncodeOptions {
  /** Consecutive good and still frames needed (default 5). */
  steadyFrames?: number;
  /** Keep only the document, flat and upright (needs a document region). */
  crop?: boolean;
  /** A previous capture (of this library, or a JPEG/PNG photo of the document): wait until the
   * document in the guide is another one (turned over); reason `same_side` meanwhile. */
  differentFrom?: Blob;
  signal?: AbortSignal;
  /** Reject with `timeout` after this long without a steady good frame. */
  timeoutMs?: number;
  /** Every frame's report, for live hints. */
  onQuality?: (report: QualityReport) => void;
}

/**
 * The one error class of id360-flow: once `init()` has resolved, every error the library raises
 * is one. The JS glue's own errors are not: use before `init()` resolved, a failed `init()`,
 * use after `.free()`, a class called without `new` (README, Errors).
 */
export class Id360Error extends Error {
  private constructor();
  readonly name: "Id360Error";
  /** Stable machine-readable code. */
  readonly code: Id360ErrorCode;
  /** HTTP status, when ID360 answered. */
  readonly status?: number;
  /** Whether trying again later may succeed. */
  readonly retryable: boolean;
  /** The step it happened in. */
  readonly step?: Id360Step;
  /** The code in ID360's error body, when it gave one. */
  readonly serverCode?: string;
  /** How long ID360 asked to wait, in ms (Retry-After). */
  readonly retryAfterMs?: number;
}
"#;
