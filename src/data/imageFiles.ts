/**
 * Image files an ImageFolder may hold (what sharp decodes). Kept apart from images.ts so the
 * editor can list data folders without loading sharp's native library.
 */
export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.avif']);
