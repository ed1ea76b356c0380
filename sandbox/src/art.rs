//! Procedural pictures for image jobs: a real PNG of the requested size whose look depends
//! on every parameter (prompt, negative prompt, model, scheduler, steps, cfgScale), with
//! a small "SANDBOX" mark in the bottom-right corner.

use std::f32::consts::TAU;

use minitoolai::catalog::{IMAGE_MODELS, SCHEDULERS};
use minitoolai::types::image::ImageRequest;
use sha2::{Digest, Sha256};

use crate::font;
use crate::rng::Rng;

type Rgb = [f32; 3];

/// The settled parameters of a picture (defaults applied).
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// SHA-256 of the prompt: all the picture needs of it, in 32 bytes however long it is.
    prompt: [u8; 32],
    /// SHA-256 of the negative prompt.
    negative: [u8; 32],
    model: String,
    scheduler: String,
    steps: u32,
    cfg: f64,
}

impl Params {
    /// Applies the documented defaults to a request.
    pub fn from_request(req: &ImageRequest) -> Self {
        use minitoolai::types::image::{DEFAULT_CFG_SCALE, DEFAULT_STEPS};
        Self {
            width: req.effective_width(),
            height: req.effective_height(),
            prompt: Sha256::digest(req.prompt.as_bytes()).into(),
            negative: Sha256::digest(req.negative_prompt.as_deref().unwrap_or("").as_bytes()).into(),
            model: req.model.clone(),
            scheduler: req.scheduler.clone().unwrap_or_else(|| minitoolai::catalog::DEFAULT_SCHEDULER.to_owned()),
            steps: req.steps.unwrap_or(DEFAULT_STEPS),
            cfg: req.cfg_scale.unwrap_or(DEFAULT_CFG_SCALE),
        }
    }

    /// The bytes these parameters hold, on the heap included.
    pub fn stored_bytes(&self) -> usize {
        std::mem::size_of::<Self>() + self.model.capacity() + self.scheduler.capacity()
    }
}

struct Blob {
    x: f32,
    y: f32,
    r: f32,
    color: Rgb,
}

/// Renders the picture and encodes it as an 8-bit RGB PNG.
pub fn render_png(p: &Params) -> Result<Vec<u8>, png::EncodingError> {
    let pixels = render(p);
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, p.width, p.height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    let mut writer = enc.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(out)
}

fn render(p: &Params) -> Vec<u8> {
    let (w, h) = (p.width.max(1) as usize, p.height.max(1) as usize);
    let steps = p.steps.to_string();
    let cfg = p.cfg.to_bits().to_le_bytes();
    let parts: [&[u8]; 6] =
        [&p.prompt, &p.negative, p.model.as_bytes(), p.scheduler.as_bytes(), steps.as_bytes(), &cfg];
    let mut rng = Rng::from_parts(&parts);

    let model_index = IMAGE_MODELS.iter().position(|m| m.id == p.model).unwrap_or(0) as f32;
    let style = SCHEDULERS.iter().position(|s| *s == p.scheduler).unwrap_or(0) % 3;
    let base_hue = model_index * 24.0 + rng.unit() * 20.0;
    let palette: [Rgb; 4] = [
        hsl(base_hue, 0.55 + rng.unit() * 0.3, 0.22 + rng.unit() * 0.15),
        hsl(base_hue + 30.0 + rng.unit() * 40.0, 0.6, 0.55 + rng.unit() * 0.2),
        hsl(base_hue + 160.0 + rng.unit() * 40.0, 0.7, 0.5),
        hsl(base_hue + 90.0 + rng.unit() * 30.0, 0.65, 0.65),
    ];
    let contrast = 0.4 + (p.cfg.clamp(1.0, 7.0) as f32) / 7.0;
    let aspect = w as f32 / h as f32;
    let blobs: Vec<Blob> = (0..2 + 2 * p.steps.clamp(1, 8))
        .map(|i| Blob {
            x: rng.unit() * aspect,
            y: rng.unit(),
            r: 0.08 + rng.unit() * 0.3,
            color: palette[1 + (i as usize % 3)],
        })
        .collect();
    let (fx, fy, phase) = (1.0 + rng.unit() * 4.0, 1.0 + rng.unit() * 4.0, rng.unit() * TAU);
    let freq = 3.0 + p.steps as f32 * 1.5;
    let softness = 1.0 - (contrast - 0.4) / 1.2 * 0.8;

    let mut data = vec![0u8; w * h * 3];
    for y in 0..h {
        let v = y as f32 / h as f32;
        for x in 0..w {
            let u = x as f32 / h as f32;
            let t = (u / aspect * 0.35 + v * 0.65).clamp(0.0, 1.0);
            let mut c = mix(palette[0], palette[3], t * 0.5);
            let (mut d1, mut d2, mut nearest) = (f32::MAX, f32::MAX, 0);
            for (i, b) in blobs.iter().enumerate() {
                let d = ((u - b.x).powi(2) + (v - b.y).powi(2)).sqrt();
                if d < d1 {
                    (d2, d1, nearest) = (d1, d, i);
                } else if d < d2 {
                    d2 = d;
                }
                if style != 2 {
                    let edge = b.r * (1.0 - softness * 0.9);
                    let a = 1.0 - smoothstep(edge, b.r, d);
                    c = mix(c, b.color, a * 0.75);
                }
            }
            let pattern = match style {
                0 => ((u * fx + v * fy) * TAU + phase).sin() * ((u * fy - v * fx) * TAU * 0.5).sin(),
                1 => (d1 * freq * TAU + phase).sin(),
                _ => {
                    c = mix(c, blobs[nearest].color, 0.8);
                    1.0 - smoothstep(0.0, 0.02 + 0.02 * softness, d2 - d1) * 2.0
                }
            };
            let shade = 1.0 + 0.18 * contrast * pattern;
            let vignette = 1.0 - 0.35 * ((u / aspect - 0.5).powi(2) + (v - 0.5).powi(2));
            let i = (y * w + x) * 3;
            for k in 0..3 {
                data[i + k] = (c[k] * shade * vignette * 255.0).clamp(0.0, 255.0) as u8;
            }
        }
    }
    stamp(&mut data, w, h);
    data
}

/// Draws "SANDBOX" in white on a dark box in the bottom-right corner.
fn stamp(data: &mut [u8], w: usize, h: usize) {
    const TEXT: &str = "SANDBOX";
    let scale = (w.min(h) / 320).max(1);
    let pad = 2 * scale;
    let text_w = (TEXT.len() * font::ADVANCE - 1) * scale;
    let (box_w, box_h) = (text_w + 2 * pad, font::HEIGHT * scale + 2 * pad);
    if box_w + pad > w || box_h + pad > h {
        return;
    }
    let (x0, y0) = (w - box_w - pad, h - box_h - pad);
    for y in 0..box_h {
        for x in 0..box_w {
            let i = ((y0 + y) * w + x0 + x) * 3;
            let (fx, fy) = (x.wrapping_sub(pad) / scale, y.wrapping_sub(pad) / scale);
            let on = x >= pad && y >= pad && font::ink(TEXT, fx, fy);
            for k in 0..3 {
                data[i + k] = if on { 255 } else { (f32::from(data[i + k]) * 0.35) as u8 };
            }
        }
    }
}

fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    if e1 <= e0 {
        return if x < e0 { 0.0 } else { 1.0 };
    }
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

fn hsl(h: f32, s: f32, l: f32) -> Rgb {
    let h = h.rem_euclid(360.0) / 60.0;
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - (h % 2.0 - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    [r + m, g + m, b + m]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(f: impl FnOnce(&mut ImageRequest)) -> Params {
        let mut req = ImageRequest::new("dreamshaper", "a lighthouse");
        req.width = Some(256);
        req.height = Some(320);
        f(&mut req);
        Params::from_request(&req)
    }

    #[test]
    fn size_and_dependence_on_every_parameter() {
        let base = render(&params(|_| {}));
        assert_eq!(base.len(), 256 * 320 * 3);
        assert_eq!(base, render(&params(|_| {})), "deterministic");
        let variants: Vec<fn(&mut ImageRequest)> = vec![
            |r| r.prompt = "a cat".into(),
            |r| r.negative_prompt = Some("fog".into()),
            |r| r.model = "valhalla".into(),
            |r| r.scheduler = Some("Euler a".into()),
            |r| r.steps = Some(8),
            |r| r.cfg_scale = Some(6.5),
        ];
        for (i, v) in variants.into_iter().enumerate() {
            assert_ne!(base, render(&params(v)), "variant {i}");
        }
    }

    #[test]
    fn png_decodes_to_the_requested_size() {
        let bytes = render_png(&params(|r| r.width = Some(300))).expect("encodes");
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let reader = decoder.read_info().expect("valid png");
        assert_eq!((reader.info().width, reader.info().height), (300, 320));
    }
}
