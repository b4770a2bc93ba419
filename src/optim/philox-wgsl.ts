/*
 * The `philox` generator as WGSL, for the `webgpu` backend (philox-webgpu.ts runs it): the same
 * Philox4x32-10 words as philox.wat bit for bit, and the same Box-Muller normals as far as float32
 * allows. philox.ts documents the layout both follow: key (k0, k1) from the host, counter of block b
 * = (b, step low, step high, 0), elements 4b, 4b + 1 from words (w0, w1) and 4b + 2, 4b + 3 from
 * (w2, w3), the angle reduced to a quadrant.
 *
 * Why not WGSL's own `log`, `sin` and `cos`: the WGSL spec allows them an absolute error of 2^-21
 * (log on [0.5, 2]) and 2^-11 (sin and cos on [-π, π]), and real drivers use that room. Near u = 1,
 * r = sqrt(-2 ln u) turns an absolute error of 2^-21 in ln u into an error of 1e-4 in r. So ln is
 * computed from the exact split u = 2^e f with the atanh series, and sin and cos from their Taylor
 * series on [0, π/4], the angle reduced there exactly in integers. Only +, -, ×, /, sqrt, ldexp and
 * integer operations remain, each within a few float32 ulps on any conforming device.
 */

/** WGSL has no 64-bit integers: the 32 × 32 → 64-bit product (hi, lo) from 16-bit halves. */
const MUL_HI_LO = /* wgsl */ `
fn philoxMulHiLo(a : u32, b : u32) -> vec2<u32> {
  let aL = a & 0xffffu;
  let aH = a >> 16u;
  let bL = b & 0xffffu;
  let bH = b >> 16u;
  let ll = aL * bL;
  let lh = aL * bH;
  let hl = aH * bL;
  // The carry out of the low word: at most 3 × (2^16 - 1), so no overflow.
  let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return vec2<u32>(aH * bH + (lh >> 16u) + (hl >> 16u) + (mid >> 16u), a * b);
}
`;

/** Philox4x32-10: the round of philox.wat, with the same multipliers and Weyl constants. */
const PHILOX = /* wgsl */ `
fn philox4x32(counter : vec4<u32>, key : vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var round = 0u; round < 10u; round = round + 1u) {
    let p0 = philoxMulHiLo(0xd2511f53u, c.x);
    let p1 = philoxMulHiLo(0xcd9e8d57u, c.z);
    c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
    k = k + vec2<u32>(0x9e3779b9u, 0xbb67ae85u);
  }
  return c;
}
`;

/**
 * The Box-Muller pair of two words in float32. ln u for u = m 2^-24 (m an integer in [1, 2^24]):
 * u = 2^(e - 24) f with f in [√½, √2] exactly (ldexp), ln f = 2 atanh s with s = (f - 1)/(f + 1),
 * |s| < 0.172, so the series to s^11 is short of float32 precision only by rounding; ln 2 is split so
 * that (e - 24) × its high part is exact. sin and cos: φ = (π/2) g 2^-22 with g <= 2^21 (the
 * complement 2^22 - g swaps sin and cos), so φ <= π/4 and the Taylor series to x^10 suffice.
 */
const BOX_MULLER = /* wgsl */ `
fn philoxLnUnit(m : u32) -> f32 {
  var e = i32(firstLeadingBit(m));
  var f = ldexp(f32(m), -e);
  if (f > 1.4142135) {
    f = f * 0.5;
    e = e + 1;
  }
  let s = (f - 1.0) / (f + 1.0);
  let s2 = s * s;
  let lnF = 2.0 * s * (1.0 + s2 * (0.33333334 + s2 * (0.2 + s2 * (0.14285715 + s2 * (0.11111111 + s2 * 0.09090909)))));
  let k = f32(e - 24);
  return k * 0.693145751953125 + (k * 1.4286068e-6 + lnF);
}

fn philoxCosSin(bits : u32) -> vec2<f32> {
  let swap = bits > 0x200000u;
  let g = select(bits, 0x400000u - bits, swap);
  let t = ldexp(f32(g), -22);
  let x = t * 1.5707964 + t * -4.371139e-8;
  let x2 = x * x;
  let s = x * (1.0 + x2 * (-0.16666667 + x2 * (0.008333334 + x2 * (-0.0001984127 + x2 * 2.7557319e-6))));
  let c = 1.0 + x2 * (-0.5 + x2 * (0.041666668 + x2 * (-0.0013888889 + x2 * (2.4801588e-5 + x2 * -2.7557319e-7))));
  return select(vec2<f32>(c, s), vec2<f32>(s, c), swap);
}

fn philoxBoxMuller(a : u32, b : u32) -> vec2<f32> {
  let r = sqrt(-2.0 * philoxLnUnit((a >> 8u) + 1u));
  let cs = philoxCosSin((b >> 8u) & 0x3fffffu);
  let q = b >> 30u;
  // (cos θ, sin θ) = (C, S), (-S, C), (-C, -S), (S, -C) for q = 0..3
  var xy = select(cs, cs.yx, (q & 1u) == 1u);
  xy.x = select(xy.x, -xy.x, ((q ^ (q >> 1u)) & 1u) == 1u);
  xy.y = select(xy.y, -xy.y, (q >> 1u) == 1u);
  return r * xy;
}
`;

/**
 * out[i] = A[i] + std z_i for i < size, one invocation per block of four: the noise of a tensor
 * added on the device. Uniforms: the key, the step's words and σ_t.
 */
export const ADD_NORMALS_SOURCE = `${MUL_HI_LO}${PHILOX}${BOX_MULLER}
fn main(index : i32) {
  let block = u32(index);
  let size = u32(uniforms.size);
  let first = 4u * block;
  if (first >= size) {
    return;
  }
  let w = philox4x32(vec4<u32>(block, uniforms.stepLow, uniforms.stepHigh, 0u), vec2<u32>(uniforms.k0, uniforms.k1));
  let z = vec4<f32>(philoxBoxMuller(w.x, w.y), philoxBoxMuller(w.z, w.w));
  for (var j = 0u; j < 4u; j = j + 1u) {
    let i = first + j;
    if (i < size) {
      result[i] = A[i] + uniforms.scale * z[j];
    }
  }
}
`;

/**
 * The raw words of blocks 0 .. size/4 - 1, block b at the counter (c0 + b, c1, c2, c3): what the
 * tests compare with philox.wat and the Random123 known answers.
 */
export const WORDS_SOURCE = `${MUL_HI_LO}${PHILOX}
fn main(index : i32) {
  let block = u32(index);
  if (4u * block >= u32(uniforms.size)) {
    return;
  }
  let w = philox4x32(vec4<u32>(uniforms.c0 + block, uniforms.c1, uniforms.c2, uniforms.c3), vec2<u32>(uniforms.k0, uniforms.k1));
  for (var j = 0u; j < 4u; j = j + 1u) {
    result[4u * block + j] = bitcast<i32>(w[j]);
  }
}
`;
